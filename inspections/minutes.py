"""Violation minutes as PDF, in the layout of Decree 30/2020/NĐ-CP (administrative documents):
A4, a Times-compatible serif (Liberation Serif), national title and motto, number, date and
place, then the parties, the facts, the explanation and the signatures or the refusal."""

from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from exports.kinds import PDF, Maker, register
from exports.signed import latest_signed, signed_bytes
from inspections.models import RecordStatus, ViolationRecord
from inspections.selectors import records_for
from personnel.models import Role

STYLESHEET = Path(__file__).with_name("minutes.css")


def render_minutes(record: ViolationRecord) -> bytes:
    # Imported here: WeasyPrint loads pango on import, which only this view needs.
    from weasyprint import CSS, HTML

    # Minutes are a Vietnamese legal document, whatever language the reader chose.
    with translation.override("vi"), timezone.override("Asia/Ho_Chi_Minh"):
        html = render_to_string(
            "inspections/minutes_pdf.html",
            {
                "record": record,
                "inspectors": list(record.visit.inspectors.all()) if record.visit else [],
                "written_on": timezone.localtime(record.submitted_at or record.created_at),
            },
        )
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))])


# The kind of the minutes' signed versions (exports.SignedDocument), their subject the record's pk.
SIGNED_MINUTES = "minutes"


def minutes_pdf(record: ViolationRecord) -> bytes:
    """The minutes as served: once signed, the latest signed version as it was signed (a
    signed document is never made again); before, made now."""
    signed = latest_signed(kind=SIGNED_MINUTES, subject=str(record.pk))
    return signed_bytes(signed) if signed else render_minutes(record)


def minutes_filename(record: ViolationRecord) -> str:
    return f"bien-ban-{(record.number or str(record.pk)).replace('/', '-')}.pdf"


MINUTES_PDF = "minutes_pdf"


def _sees_record(user, subject: str) -> bool:
    return (
        subject.isdigit()
        and records_for(user).filter(pk=int(subject)).exclude(status=RecordStatus.DRAFT).exists()
    )


def _minutes_file(subject: str) -> tuple[str, bytes]:
    record = ViolationRecord.objects.select_related(
        "staff", "unit", "author", "reviewed_by", "visit__round", "corrects"
    ).get(pk=int(subject))
    return minutes_filename(record), minutes_pdf(record)


def register_exports() -> None:
    register(
        MINUTES_PDF,
        Maker(
            _("Violation minutes (PDF)"),
            PDF,
            (Role.INSPECTOR, Role.REVIEWER, Role.UNIT_HEAD, Role.COUNCIL),
            _sees_record,
            _minutes_file,
        ),
    )
