"""Writes of the portal app."""

import ipaddress

from django.http import HttpRequest

from core.network import client_ip
from portal.models import PersonalDataAccess


def personal_data_access_log(
    *,
    request: HttpRequest,
    staff_id: int | None,
    record_id: int | None = None,
    evidence_id: int | None = None,
    citizen_report_id: int | None = None,
) -> PersonalDataAccess:
    """Note that the signed-in user was just shown a person's data: one INSERT.

    Registered as the writer of core.personal_data, which every floor's views call.
    """
    return PersonalDataAccess.objects.create(
        user_id=request.user.pk,
        staff_id=staff_id,
        record_id=record_id,
        evidence_id=evidence_id,
        citizen_report_id=citizen_report_id,
        view=request.resolver_match.view_name if request.resolver_match else request.path[:100],
        ip=_address(client_ip(request)),
    )


def _address(text: str) -> str | None:
    """The client's address if it is one: PostgreSQL's inet column refuses anything else, and a
    page must not fail because a proxy sent something odd."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
