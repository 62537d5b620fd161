"""What each kind of prepared file is made from, who may have it, and how it is made."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.text import slugify

from exports.models import ExportKind
from personnel.models import Role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


@dataclass(frozen=True)
class Maker:
    content_type: str
    # Who may ask for it and download it (administrators always may).
    roles: tuple[str, ...]
    # May this user still see the subject? Checked again at download time.
    sees: Callable[..., bool]
    # The file's name and bytes, from the subject.
    build: Callable[[str], tuple[str, bytes]]


def _sees_record(user, subject: str) -> bool:
    from inspections.models import RecordStatus
    from inspections.selectors import records_for

    return (
        subject.isdigit()
        and records_for(user).filter(pk=int(subject)).exclude(status=RecordStatus.DRAFT).exists()
    )


def _sees_period(user, subject: str) -> bool:
    from emulation.models import Period

    return Period.objects.filter(code=subject).exists()


def _minutes(subject: str) -> tuple[str, bytes]:
    from inspections.minutes import render_minutes
    from inspections.models import ViolationRecord

    record = ViolationRecord.objects.select_related(
        "staff", "unit", "author", "reviewed_by", "visit__round", "corrects"
    ).get(pk=int(subject))
    return f"bien-ban-{(record.number or str(record.pk)).replace('/', '-')}.pdf", render_minutes(
        record
    )


def _period_file(subject: str, extension: str) -> tuple[str, bytes]:
    from emulation.exports import period_pdf, period_workbook
    from emulation.models import Period

    period = Period.objects.get(code=subject)
    make = period_workbook if extension == "xlsx" else period_pdf
    return f"danh-sach-{slugify(period.code) or period.pk}.{extension}", make(period=period)


MAKERS = {
    ExportKind.MINUTES_PDF: Maker(
        PDF, (Role.INSPECTOR, Role.REVIEWER, Role.UNIT_HEAD, Role.COUNCIL), _sees_record, _minutes
    ),
    ExportKind.PERIOD_XLSX: Maker(
        XLSX,
        (Role.COUNCIL, Role.REVIEWER),
        _sees_period,
        lambda subject: _period_file(subject, "xlsx"),
    ),
    ExportKind.PERIOD_PDF: Maker(
        PDF,
        (Role.COUNCIL, Role.REVIEWER),
        _sees_period,
        lambda subject: _period_file(subject, "pdf"),
    ),
}
