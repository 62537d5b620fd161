"""The council's list as an XLSX workbook (the official tables, always in Vietnamese), and
the council's documents registered as kinds of prepared file: the list's PDF, the meeting's
minutes, the draft award decision (PDF and DOCX), all made by emulation.documents.

The documents are administrative records (Decree 30/2020/NĐ-CP), so their text does not
follow the reader's interface language.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from itertools import chain
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from core.sheets import append_row, csv_text
from emulation.documents import (
    COLLECTIVE_COLUMNS,
    COUNCIL,
    DECISION,
    GROUP_HEADINGS,
    MEETING,
    MOTTO,
    NATION,
    PARTS,
    PERSON_COLUMNS,
    SIGNED_LIST,
    SIGNED_MEETING,
    award_decision_docx,
    award_decision_pdf,
    council_list,
    document_refusal,
    list_reason_text,
    meeting_minutes,
)
from emulation.models import Period
from emulation.selectors import (
    ELIGIBILITY_CSV_COLUMNS,
    ListFilter,
    eligibility_rows,
    list_filter,
    list_group,
)
from exports.kinds import PDF, XLSX, Maker, register
from exports.signed import latest_signed, signed_bytes
from personnel.models import Role

COLUMNS = PERSON_COLUMNS
WIDTHS = [6, 14, 28, 30, 28, 70]
FILTER_LABELS = {"unit": "Đơn vị", "title": "Danh hiệu", "status": "Kết quả"}


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
            nomination.reason_text = list_reason_text(nomination)
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


def period_pdf(*, period: Period, filters: ListFilter | None = None) -> bytes:
    """The same list as a PDF, in the Decree 30 layout (emulation.documents)."""
    return council_list(period=period, filters=filters, filters_text=filters_text(filters))


def eligibility_csv(*, period: Period) -> Iterator[str]:
    """EXCHANGE.md's `eligibility --format csv`, header first, in pieces: what the command
    prints and the council downloads, never held whole in memory."""
    return csv_text(chain([ELIGIBILITY_CSV_COLUMNS], eligibility_rows(period=period)))


PERIOD_XLSX = "period_xlsx"
PERIOD_PDF = "period_pdf"
MEETING_PDF = "meeting_pdf"
DECISION_PDF = "decision_pdf"
DECISION_DOCX = "decision_docx"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Which of the council's documents each kind is (emulation.documents.document_refusal).
DOCUMENT_OF_KIND = {MEETING_PDF: MEETING, DECISION_PDF: DECISION, DECISION_DOCX: DECISION}


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


def _signed(kind: str, period: Period) -> bytes | None:
    """The council's signed version of a document, served as signed: never made again."""
    signed = latest_signed(kind=kind, subject=period.code)
    return signed_bytes(signed) if signed else None


def list_pdf_file(*, period: Period, filters: ListFilter) -> tuple[str, bytes]:
    """The list as PDF with its file name: the whole list, once the secretary signed it, as
    signed; otherwise (or filtered) made now."""
    name = f"danh-sach-{slugify(period.code) or period.pk}"
    whole = not (filters.unit or filters.title or filters.status)
    if whole and (signed := _signed(SIGNED_LIST, period)):
        return f"{name}-ky-so.pdf", signed
    return f"{name}.pdf", period_pdf(period=period, filters=filters)


def _period_file(subject: str, extension: str) -> tuple[str, bytes]:
    period, filters = _period_and_filters(subject)
    if extension == "pdf":
        return list_pdf_file(period=period, filters=filters)
    data = period_workbook(period=period, filters=filters)
    return f"danh-sach-{slugify(period.code) or period.pk}.xlsx", data


def _document_file(subject: str, kind: str) -> tuple[str, bytes]:
    period = Period.objects.select_related("secretary").get(code=subject.partition("?")[0])
    if refusal := document_refusal(period=period, document=DOCUMENT_OF_KIND[kind]):
        raise refusal
    slug = slugify(period.code) or str(period.pk)
    if kind == MEETING_PDF:
        signed = _signed(SIGNED_MEETING, period)
        return f"bien-ban-hop-hoi-dong-{slug}.pdf", signed or meeting_minutes(period=period)
    if kind == DECISION_PDF:
        return f"du-thao-quyet-dinh-khen-thuong-{slug}.pdf", award_decision_pdf(period=period)
    return f"du-thao-quyet-dinh-khen-thuong-{slug}.docx", award_decision_docx(period=period)


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
    documents = [
        (MEETING_PDF, _("Minutes of the council's meeting (PDF)"), PDF),
        (DECISION_PDF, _("Draft award decision (PDF)"), PDF),
        (DECISION_DOCX, _("Draft award decision (DOCX)"), DOCX),
    ]
    for kind, label, content_type in documents:
        register(
            kind,
            Maker(
                label,
                content_type,
                roles,
                _sees_period,
                lambda subject, kind=kind: _document_file(subject, kind),
            ),
        )
