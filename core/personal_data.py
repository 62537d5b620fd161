"""The access log of personal data (Decree 13/2023/NĐ-CP), as every floor's views write it.

Views of every app note what personal data they showed; the log itself (its model names staff,
records and citizen reports) belongs to the project, which registers its writer at start-up.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

_writers: list[Callable[..., object]] = []


def register_access_writer(writer: Callable[..., object]) -> None:
    _writers[:] = [writer]


def personal_data_access_log(
    *,
    request: HttpRequest,
    staff_id: int | None,
    record_id: int | None = None,
    evidence_id: int | None = None,
    citizen_report_id: int | None = None,
) -> object:
    """Note that the signed-in user was just shown a person's data.

    Called by a view after its permission check passed, so a refused request writes nothing.
    """
    if not _writers:
        raise ImproperlyConfigured("No writer of the personal data access log is registered.")
    return _writers[0](
        request=request,
        staff_id=staff_id,
        record_id=record_id,
        evidence_id=evidence_id,
        citizen_report_id=citizen_report_id,
    )
