"""The council's list as an XLSX workbook: the official tables, always in Vietnamese.

The document is an administrative record (Decree 30/2020/NĐ-CP), so its text does not follow
the reader's interface language.
"""

import csv
from collections.abc import Iterator
from io import BytesIO, StringIO
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from emulation.models import LOCAL_ZONE, Period, VerdictStatus
from emulation.selectors import (
    ELIGIBILITY_CSV_COLUMNS,
    deciding_decisions,
    deciding_records,
    decision_reason_text,
    eligibility_rows,
    nomination_list,
)
from exports.kinds import PDF, XLSX, Maker, register
from personnel.models import Role

COUNCIL = "HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
ELIGIBLE_HEADING = "I. DANH SÁCH ĐỦ ĐIỀU KIỆN"
NOT_ELIGIBLE_HEADING = "II. DANH SÁCH KHÔNG ĐỦ ĐIỀU KIỆN"
COLUMNS = ["STT", "Mã cán bộ", "Họ và tên", "Đơn vị đề nghị", "Danh hiệu"]
REASON_COLUMN = "Lý do (biên bản vi phạm, quyết định kỷ luật)"
STATUS_TEXT = {
    VerdictStatus.EXCLUDED: "Có vi phạm đã được xác nhận trong kỳ",
    VerdictStatus.PENDING: "Đang chờ xem xét biên bản vi phạm",
}
WIDTHS = [6, 14, 28, 30, 28, 60]


def _reason_text(nomination) -> str:
    """The reasons in words: the records (if any) after their status, then each decision."""
    parts = []
    if records := deciding_records(nomination):
        numbers = ", ".join(
            f"{record.number or ''} ({record.occurred_at.astimezone(LOCAL_ZONE):%d/%m/%Y})"
            for record in records
        )
        parts.append(f"{STATUS_TEXT[nomination.verdict.status]}: {numbers}")
    parts += [decision_reason_text(decision) for decision in deciding_decisions(nomination)]
    return "; ".join(parts)


def official_tables(*, period: Period) -> tuple[list, list]:
    """The list split as the council signs it: eligible, and not eligible (with the reason)."""
    eligible, not_eligible = [], []
    for nomination in nomination_list(period=period):
        verdict = getattr(nomination, "verdict", None)
        if verdict is None or verdict.status == VerdictStatus.ELIGIBLE:
            eligible.append(nomination)
        else:
            nomination.reason_text = _reason_text(nomination)
            not_eligible.append(nomination)
    return eligible, not_eligible


def period_workbook(*, period: Period) -> bytes:
    eligible, not_eligible = official_tables(period=period)

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    bold = Font(name="Times New Roman", bold=True)
    sheet.append([COUNCIL, None, None, NATION])
    sheet.append([None, None, None, MOTTO])
    sheet.append([])
    sheet.append([f"DANH SÁCH XÉT THI ĐUA, KHEN THƯỞNG KỲ {period.name.upper()}"])
    sheet.append([f"Từ ngày {period.starts_on:%d/%m/%Y} đến ngày {period.ends_on:%d/%m/%Y}"])
    for row in (1, 2, 4):
        for cell in sheet[row]:
            cell.font = bold
    sheet.cell(row=4, column=1).alignment = Alignment(horizontal="left")

    def table(heading: str, rows: list, with_reason: bool) -> None:
        sheet.append([])
        sheet.append([heading])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        sheet.append([*COLUMNS, REASON_COLUMN] if with_reason else COLUMNS)
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for number, nomination in enumerate(rows, start=1):
            values = [
                number,
                nomination.staff.code,
                nomination.staff.full_name,
                nomination.unit.name,
                nomination.title.name,
            ]
            sheet.append([*values, nomination.reason_text] if with_reason else values)

    table(ELIGIBLE_HEADING, eligible, with_reason=False)
    table(NOT_ELIGIBLE_HEADING, not_eligible, with_reason=True)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


PDF_STYLESHEET = Path(__file__).with_name("period_pdf.css")


def period_pdf(*, period: Period) -> bytes:
    """The same two official tables as a PDF (A4 landscape, Liberation Serif)."""
    # Imported here: WeasyPrint loads pango on import, which only this export needs.
    from weasyprint import CSS, HTML

    eligible, not_eligible = official_tables(period=period)
    with translation.override("vi"), timezone.override(LOCAL_ZONE):
        html = render_to_string(
            "emulation/period_pdf.html",
            {
                "period": period,
                "eligible": eligible,
                "not_eligible": not_eligible,
                "council": COUNCIL,
                "nation": NATION,
                "motto": MOTTO,
                "eligible_heading": ELIGIBLE_HEADING,
                "not_eligible_heading": NOT_ELIGIBLE_HEADING,
                "today": timezone.localdate(),
            },
        )
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(PDF_STYLESHEET))])


CSV_LINES_PER_CHUNK = 1_000


def eligibility_csv(*, period: Period) -> Iterator[str]:
    """EXCHANGE.md's `eligibility --format csv`, header first, in pieces of a thousand lines:
    what the command prints and the council downloads, never held whole in memory."""
    buffer = StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ELIGIBILITY_CSV_COLUMNS)
    for number, row in enumerate(eligibility_rows(period=period), start=1):
        writer.writerow(row)
        if number % CSV_LINES_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


PERIOD_XLSX = "period_xlsx"
PERIOD_PDF = "period_pdf"


def _sees_period(user, subject: str) -> bool:
    return Period.objects.filter(code=subject).exists()


def _period_file(subject: str, extension: str) -> tuple[str, bytes]:
    period = Period.objects.get(code=subject)
    make = period_workbook if extension == "xlsx" else period_pdf
    return f"danh-sach-{slugify(period.code) or period.pk}.{extension}", make(period=period)


def register_exports() -> None:
    roles = (Role.COUNCIL, Role.REVIEWER)
    register(
        PERIOD_XLSX,
        Maker(
            _("Emulation list (XLSX)"),
            XLSX,
            roles,
            _sees_period,
            lambda subject: _period_file(subject, "xlsx"),
        ),
    )
    register(
        PERIOD_PDF,
        Maker(
            _("Emulation list (PDF)"),
            PDF,
            roles,
            _sees_period,
            lambda subject: _period_file(subject, "pdf"),
        ),
    )
