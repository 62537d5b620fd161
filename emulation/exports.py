"""The council's list as an XLSX workbook: the official tables, always in Vietnamese.

The document is an administrative record (Decree 30/2020/NĐ-CP), so its text does not follow
the reader's interface language.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from itertools import chain
from pathlib import Path
from urllib.parse import urlencode

from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from core.sheets import append_row, csv_text
from emulation.models import LOCAL_ZONE, Period, VerdictStatus
from emulation.selectors import (
    ELIGIBILITY_CSV_COLUMNS,
    NOT_FULLY_CHECKED,
    ListFilter,
    eligibility_rows,
    list_filter,
    list_group,
    reason_texts,
    unchecked_text,
)
from exports.kinds import PDF, XLSX, Maker, register
from personnel.models import Role

COUNCIL = "HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
# The exceptions first, as on the council's page.
PARTS = [("A. CÁ NHÂN", False), ("B. TẬP THỂ", True)]
GROUP_HEADINGS = {
    VerdictStatus.EXCLUDED: "I. KHÔNG ĐỦ ĐIỀU KIỆN",
    VerdictStatus.PENDING: "II. TẠM HOÃN XÉT, CHỜ KẾT QUẢ XEM XÉT",
    NOT_FULLY_CHECKED: "III. ĐỦ ĐIỀU KIỆN, CHƯA KIỂM TRA ĐỦ TIÊU CHUẨN",
    VerdictStatus.ELIGIBLE: "IV. ĐỦ ĐIỀU KIỆN",
}
COLUMNS = ["STT", "Mã cán bộ", "Họ và tên", "Đơn vị đề nghị", "Danh hiệu", "Lý do và căn cứ"]
COLLECTIVE_COLUMNS = ["STT", "Mã đơn vị", "Tên đơn vị", "Danh hiệu", "Lý do và căn cứ"]
WIDTHS = [6, 14, 28, 30, 28, 70]
FILTER_LABELS = {"unit": "Đơn vị", "title": "Danh hiệu", "status": "Kết quả"}


def _reason_text(nomination) -> str:
    """Why the nomination is in its part of the list, in words with the legal basis; the
    criteria not checked for an eligible one."""
    if list_group(nomination) == NOT_FULLY_CHECKED:
        return unchecked_text(nomination)
    return "; ".join(reason_texts(nomination))


@dataclass
class Part:
    heading: str
    collective: bool
    groups: list[tuple[str, list]]  # (heading, nominations), the empty ones left out


def official_tables(*, period: Period, filters: ListFilter | None = None) -> list[Part]:
    """The list as the council signs it, in the reader's filters: people, then collectives,
    each the exceptions first, every row with its reasons in words (Vietnamese)."""
    filters = filters or ListFilter()
    grouped = {(collective, group): [] for _h, collective in PARTS for group in GROUP_HEADINGS}
    with translation.override("vi"):
        for nomination in filters.nominations(period):
            nomination.reason_text = _reason_text(nomination)
            grouped[(nomination.is_collective, list_group(nomination))].append(nomination)
    return [
        Part(
            heading,
            collective,
            [
                (group_heading, grouped[(collective, group)])
                for group, group_heading in GROUP_HEADINGS.items()
                if grouped[(collective, group)]
            ],
        )
        for heading, collective in PARTS
    ]


def filters_text(filters: ListFilter | None) -> str:
    """The filters in words under the document's title; "" for the whole list."""
    if filters is None:
        return ""
    shown = []
    if filters.unit:
        shown.append(f"{FILTER_LABELS['unit']}: {filters.unit.name}")
    if filters.title:
        shown.append(f"{FILTER_LABELS['title']}: {filters.title.name}")
    if filters.status:
        shown.append(f"{FILTER_LABELS['status']}: {GROUP_HEADINGS[filters.status][4:].lower()}")
    return "; ".join(shown)


def period_workbook(*, period: Period, filters: ListFilter | None = None) -> bytes:
    parts = official_tables(period=period, filters=filters)

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    bold = Font(name="Times New Roman", bold=True)
    append_row(sheet, [COUNCIL, None, None, NATION])
    append_row(sheet, [None, None, None, MOTTO])
    append_row(sheet, [])
    append_row(sheet, [f"DANH SÁCH XÉT THI ĐUA, KHEN THƯỞNG KỲ {period.name.upper()}"])
    append_row(sheet, [f"Từ ngày {period.starts_on:%d/%m/%Y} đến ngày {period.ends_on:%d/%m/%Y}"])
    if shown := filters_text(filters):
        append_row(sheet, [f"Lọc theo: {shown}"])
    for row in (1, 2, 4):
        for cell in sheet[row]:
            cell.font = bold
    sheet.cell(row=4, column=1).alignment = Alignment(horizontal="left")

    def heading(text: str) -> None:
        append_row(sheet, [text])
        sheet.cell(row=sheet.max_row, column=1).font = bold

    for part in parts:
        append_row(sheet, [])
        heading(part.heading)
        if not part.groups:
            append_row(sheet, ["Không có."])
        for group_heading, rows in part.groups:
            heading(group_heading)
            append_row(sheet, COLLECTIVE_COLUMNS if part.collective else COLUMNS)
            for cell in sheet[sheet.max_row]:
                cell.font = bold
            for number, nomination in enumerate(rows, start=1):
                if part.collective:
                    values = [number, nomination.unit.code, nomination.unit.name]
                else:
                    values = [
                        number,
                        nomination.staff.code,
                        nomination.staff.full_name,
                        nomination.unit.name,
                    ]
                append_row(sheet, [*values, nomination.title.name, nomination.reason_text or None])
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


PDF_STYLESHEET = Path(__file__).with_name("period_pdf.css")


def period_pdf(*, period: Period, filters: ListFilter | None = None) -> bytes:
    """The same list as a PDF (A4 landscape, Liberation Serif)."""
    # Imported here: WeasyPrint loads pango on import, which only this export needs.
    from weasyprint import CSS, HTML

    parts = official_tables(period=period, filters=filters)
    with translation.override("vi"), timezone.override(LOCAL_ZONE):
        html = render_to_string(
            "emulation/period_pdf.html",
            {
                "period": period,
                "parts": parts,
                "filters": filters_text(filters),
                "council": COUNCIL,
                "nation": NATION,
                "motto": MOTTO,
                "today": timezone.localdate(),
            },
        )
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(PDF_STYLESHEET))])


def eligibility_csv(*, period: Period) -> Iterator[str]:
    """EXCHANGE.md's `eligibility --format csv`, header first, in pieces: what the command
    prints and the council downloads, never held whole in memory."""
    return csv_text(chain([ELIGIBILITY_CSV_COLUMNS], eligibility_rows(period=period)))


PERIOD_XLSX = "period_xlsx"
PERIOD_PDF = "period_pdf"


def export_subject(period: Period, filters: ListFilter) -> str:
    """The period's code, and the filters as a query string when there are any."""
    query = urlencode(filters.query())
    return f"{period.code}?{query}" if query else period.code


def _period_and_filters(subject: str) -> tuple[Period, ListFilter]:
    code, _sep, query = subject.partition("?")
    period = Period.objects.get(code=code)
    given = QueryDict(query)
    filters = list_filter(
        period=period,
        unit_code=given.get("unit", ""),
        title_code=given.get("title", ""),
        status=given.get("status", ""),
    )
    return period, filters


def _sees_period(user, subject: str) -> bool:
    return Period.objects.filter(code=subject.partition("?")[0]).exists()


def _period_file(subject: str, extension: str) -> tuple[str, bytes]:
    period, filters = _period_and_filters(subject)
    make = period_workbook if extension == "xlsx" else period_pdf
    data = make(period=period, filters=filters)
    return f"danh-sach-{slugify(period.code) or period.pk}.{extension}", data


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
