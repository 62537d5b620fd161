"""Violation minutes as PDF, in the layout of Decree 30/2020/NĐ-CP (administrative documents):
A4, a Times-compatible serif (Liberation Serif), national title and motto, number, date and
place, then the parties, the facts, the explanation and the signatures or the refusal."""

from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone, translation

from inspections.models import ViolationRecord

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
