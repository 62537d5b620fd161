"""The council's documents in the layout of Decree 30/2020/NĐ-CP (administrative documents):
the list, the minutes of the council's meeting and the draft award decision with its annexed
list (PDF, and the decision also as DOCX for the office to edit in Word).

They are Vietnamese legal documents, whatever language the reader chose: their text is written
here in Vietnamese, not translated.
"""

import datetime
import functools
import re
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core import decree30
from core.errors import DomainError
from emulation.models import (
    LOCAL_ZONE,
    CouncilMeeting,
    Nomination,
    Period,
    PeriodStatus,
    VerdictStatus,
)
from emulation.selectors import (
    NOT_FULLY_CHECKED,
    ListFilter,
    awarded_nominations,
    list_group,
    reason_texts,
    unchecked_text,
    verdict_counts,
)
from personnel.selectors import root_unit, unit_names_on

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
COUNCIL = "HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG"
PEOPLES_COMMITTEE = "ỦY BAN NHÂN DÂN"
# Decree 30/2020, annex III: the abbreviations of the kinds of document.
LIST_NUMBER = "Số: …/DS-HĐTĐKT"
MEETING_NUMBER = "Số: …/BB-HĐTĐKT"
DECISION_NUMBER = "Số: …/QĐ-UBND"
BLANK = "…"
# The levels of local government in a name ("thành phố Lạng Sơn" → "Lạng Sơn").
LEVELS = re.compile(r"^(ủy ban nhân dân|ubnd)?\s*(thành phố|tỉnh|huyện|quận|thị xã|xã|phường)?\s*")

STYLESHEET = Path(__file__).with_name("documents.css")
LIST_STYLESHEET = Path(__file__).with_name("period_pdf.css")


MEETING_NOT_RECORDED = _(
    "The council's meeting on this list is not recorded yet: its secretary types it first."
)
DECISION_NOT_APPROVED = _("The award decision is drafted only once the list is approved.")
MEETING, DECISION = "meeting", "decision"


# The kinds of the council's signed documents (exports.SignedDocument, emulation.
# signature_services); the subject is the period's code.
SIGNED_LIST = "council_list"
SIGNED_MEETING = "council_meeting"


def document_refusal(*, period: Period, document: str) -> DomainError | None:
    """Why the period cannot have `document` (MEETING or DECISION) now; None when it can. The
    period page's buttons, the export request and the file's maker all ask this."""
    if document == DECISION and period.status != PeriodStatus.APPROVED:
        return DomainError(DECISION_NOT_APPROVED)
    # Read with the period where the caller selected it (the period page).
    if getattr(period, "meeting", None) is None:
        return DomainError(MEETING_NOT_RECORDED)
    return None


# --- The header ------------------------------------------------------------------------------


def issuing_body(period: Period) -> str:
    """The issuing body's name as the documents' header gives it, in capitals: the official
    name of the top of the unit tree on the period's last day, "UBND" written out (Decree 30
    wants names in full)."""
    root = root_unit(day=period.ends_on)
    if root is None:
        return PEOPLES_COMMITTEE
    official_name, _issuing_body = unit_names_on(root, period.ends_on)
    name = re.sub(r"^UBND\b", PEOPLES_COMMITTEE, official_name.strip(), flags=re.IGNORECASE)
    return name.upper()


def place_name(period: Period) -> str:
    """Where the documents are made, as the date line names it ("Lạng Sơn"): DOCUMENT_PLACE,
    or else read off the issuing body's name."""
    if settings.DOCUMENT_PLACE:
        return settings.DOCUMENT_PLACE
    body = issuing_body(period)
    place = LEVELS.sub("", body.lower()).strip()
    return place.title() if place else ""


def people_and_units(people: int, units: int) -> str:
    """ "941 cá nhân và 12 tập thể"; a count of none is left out, not written as 0."""
    counted = ((people, "cá nhân"), (units, "tập thể"))
    return " và ".join(f"{count} {kind}" for count, kind in counted if count) or "0 cá nhân"


def date_in_words(day: datetime.date | None, *, year: int | None = None) -> str:
    """The date in words (core.decree30); without a day, the draft's blanks for the signer."""
    if day is None:
        return f"ngày {BLANK} tháng {BLANK} năm {year}"
    return decree30.date_in_words(day)


@dataclass
class Header:
    """What the Decree 30 header shows (templates/emulation/_decree30_header.html)."""

    issuer: str  # the issuing body, bold
    number: str
    place_date: str
    parent: str = ""  # the body it belongs to, above it, when the issuer is a council

    @staticmethod
    def lines(name: str) -> list[str]:
        """A People's Committee's name on two lines, as offices set it: "ỦY BAN NHÂN DÂN" /
        "THÀNH PHỐ LẠNG SƠN"."""
        rest = name.removeprefix(PEOPLES_COMMITTEE).strip()
        return [PEOPLES_COMMITTEE, rest] if rest and rest != name else [name]

    @property
    def issuer_lines(self) -> list[str]:
        return self.lines(self.issuer)

    @property
    def parent_lines(self) -> list[str]:
        return self.lines(self.parent) if self.parent else []


def period_words(period: Period) -> str:
    """The period inside a sentence: "năm 2019", "năm học 2019-2020", or the name as given."""
    name = period.name.strip()
    return name[:1].lower() + name[1:] if name.startswith("Năm") else name


def _header(period: Period, *, number: str, day, council: bool, year=None) -> Header:
    body = issuing_body(period)
    place = place_name(period)
    place_date = date_in_words(day, year=year)
    return Header(
        issuer=COUNCIL if council else body,
        parent=body if council else "",
        number=number,
        place_date=f"{place}, {place_date}" if place else place_date.capitalize(),
    )


# --- Rendering -------------------------------------------------------------------------------


@functools.cache
def _weasyprint():
    """WeasyPrint, its fonts and the stylesheets, loaded and parsed once per process: the
    fonts' configuration is what a first document spends most of its time on."""
    # Imported here: WeasyPrint loads pango on import, which only these documents need.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    sheets = {
        "portrait": [CSS(filename=str(STYLESHEET), font_config=fonts)],
        "landscape": [
            CSS(filename=str(STYLESHEET), font_config=fonts),
            CSS(filename=str(LIST_STYLESHEET), font_config=fonts),
        ],
    }
    return HTML, fonts, sheets


def _pdf(template: str, context: dict, *, orientation: str = "portrait") -> bytes:
    html_class, fonts, sheets = _weasyprint()
    with translation.override("vi"), timezone.override(LOCAL_ZONE):
        html = render_to_string(template, context)
    document = html_class(string=html).render(stylesheets=sheets[orientation], font_config=fonts)
    return document.write_pdf()


# --- The council's list ----------------------------------------------------------------------

PARTS = [("A. CÁ NHÂN", False), ("B. TẬP THỂ", True)]
# The exceptions first, as on the council's page and in the XLSX.
GROUP_HEADINGS = {
    VerdictStatus.EXCLUDED: "I. KHÔNG ĐỦ ĐIỀU KIỆN",
    VerdictStatus.PENDING: "II. TẠM HOÃN XÉT, CHỜ KẾT QUẢ XEM XÉT",
    NOT_FULLY_CHECKED: "III. ĐỦ ĐIỀU KIỆN, CHƯA KIỂM TRA ĐỦ TIÊU CHUẨN",
    VerdictStatus.ELIGIBLE: "IV. ĐỦ ĐIỀU KIỆN",
}
# The workbook's columns (emulation.exports.period_workbook).
PERSON_COLUMNS = ["STT", "Mã cán bộ", "Họ và tên", "Đơn vị đề nghị", "Danh hiệu", "Lý do và căn cứ"]
COLLECTIVE_COLUMNS = ["STT", "Mã đơn vị", "Tên đơn vị", "Danh hiệu", "Lý do và căn cứ"]
# What a row of the PDF says, in the order it says it.
PERSON_CAPTION = "Họ và tên (mã cán bộ), đơn vị đề nghị – danh hiệu"
COLLECTIVE_CAPTION = "Tên đơn vị (mã đơn vị) – danh hiệu"


def list_reason_text(nomination: Nomination) -> str:
    """Why the nomination is in its part of the list, in words with the legal basis (as on the
    council's page); the criteria not checked for an eligible one. In the active language."""
    if list_group(nomination) == NOT_FULLY_CHECKED:
        return unchecked_text(nomination)
    return "; ".join(reason_texts(nomination))


@dataclass
class Section:
    heading: str
    caption: str
    # The rows as markup, built once here: a template loop over a thousand rows, with its
    # lookups and escaping per value, would cost more than laying them out.
    rows_html: str = ""
    count: int = 0
    with_reasons: bool = True


@dataclass
class ListDocument:
    header: Header
    period: Period
    filters: str
    parts: list[tuple[str, list[Section]]]
    counts: dict
    secretary: str
    chair: str


def _list_rows(nominations, *, collective: bool) -> tuple[str, int]:
    """One paragraph per row, its number hanging before a tab, and its reasons, if any, in a
    paragraph below it. Not a table: WeasyPrint lays out a table row and each of its cells
    as boxes of their own, several times the cost of a paragraph (bench case
    council_list_pdf)."""
    rows = []
    for number, nomination in enumerate(nominations, start=1):
        if collective:
            who = f"{nomination.unit.name} ({nomination.unit.code})"
        else:
            staff = nomination.staff
            who = f"{staff.full_name} ({staff.code}), {nomination.unit.name}"
        rows.append(
            f'<p class="d30-row">{number}.\t{escape(who)} – {escape(nomination.title.name)}</p>'
        )
        if nomination.reason_text:
            rows.append(f'<p class="d30-reason">{escape(nomination.reason_text)}</p>')
    return "".join(rows), len(nominations)


def council_list(*, period: Period, filters: ListFilter | None = None, filters_text="") -> bytes:
    """The council's list as a PDF: every section of people and of collectives, empty ones
    said so (all of them unless the list is filtered by verdict), each row with its reasons,
    then the council's signatures."""
    filters = filters or ListFilter()
    groups = [filters.status] if filters.status else list(GROUP_HEADINGS)
    grouped = {(collective, group): [] for _h, collective in PARTS for group in groups}
    with translation.override("vi"):
        for nomination in filters.nominations(period):
            nomination.reason_text = list_reason_text(nomination)
            grouped[(nomination.is_collective, list_group(nomination))].append(nomination)
    parts = []
    for heading, collective in PARTS:
        sections = []
        for group in groups:
            rows_html, count = _list_rows(grouped[(collective, group)], collective=collective)
            sections.append(
                Section(
                    heading=GROUP_HEADINGS[group],
                    caption=COLLECTIVE_CAPTION if collective else PERSON_CAPTION,
                    rows_html=mark_safe(rows_html),  # noqa: S308 (escaped value by value)
                    count=count,
                    with_reasons=group != VerdictStatus.ELIGIBLE,
                )
            )
        parts.append((heading, sections))
    meeting = CouncilMeeting.objects.filter(period=period).first()
    document = ListDocument(
        header=_header(
            period, number=LIST_NUMBER, day=timezone.localdate(timezone=LOCAL_ZONE), council=True
        ),
        period=period,
        filters=filters_text,
        parts=parts,
        counts=verdict_counts(period=period, unit=filters.unit, title=filters.title),
        secretary=_name(period.secretary),
        chair=meeting.chair if meeting else "",
    )
    return _pdf("emulation/period_pdf.html", {"document": document}, orientation="landscape")


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


# --- The minutes of the council's meeting ---------------------------------------------------


def _percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}".replace(".", ",").removesuffix(",0") if whole else "0"


def meeting_minutes(*, period: Period) -> bytes:
    """The minutes of the council's meeting on the list (biên bản họp Hội đồng)."""
    meeting = CouncilMeeting.objects.select_related("recorded_by").get(period=period)
    held_at = timezone.localtime(meeting.held_at, LOCAL_ZONE)
    counts = verdict_counts(period=period)
    nominations = Nomination.objects.filter(period=period)
    context = {
        "header": _header(period, number=MEETING_NUMBER, day=held_at.date(), council=True),
        "period": period,
        "period_words": period_words(period),
        "meeting": meeting,
        "held_at": held_at,
        "held_on": date_in_words(held_at.date()),
        "secretary": _name(period.secretary) or _name(meeting.recorded_by),
        "counts": counts,
        "nominees": people_and_units(
            nominations.filter(staff__isnull=False).count(),
            nominations.filter(staff__isnull=True).count(),
        ),
        "agree_percent": _percent(meeting.votes_agree, meeting.members_present),
    }
    return _pdf("emulation/meeting_pdf.html", context)


# --- The draft award decision ---------------------------------------------------------------


@dataclass
class AnnexGroup:
    heading: str
    collective: bool
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Decision:
    """The draft decision, once for both formats: the PDF's template and the DOCX writer."""

    header: Header
    subject: str
    authority: str
    grounds: list[str]
    articles: list[tuple[str, str]]
    recipients: list[str]
    signer: str
    annex_title: str
    annex_note: str
    annex: list[AnnexGroup]


ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def award_decision(*, period: Period) -> Decision:
    """The draft award decision for an approved list, its number and date left blank for the
    office to fill in when the chairman signs."""
    meeting = CouncilMeeting.objects.get(period=period)
    body = issuing_body(period)
    # In a sentence: "Ủy ban nhân dân thành phố Lạng Sơn".
    place = place_name(period)
    body_in_text = body.lower()
    if place:
        body_in_text = body_in_text.removesuffix(place.lower()) + place
    body_in_text = body_in_text[:1].upper() + body_in_text[1:]
    awarded = awarded_nominations(period=period)
    by_title: dict = {}
    for nomination in sorted(awarded, key=lambda n: (n.is_collective, n.title.code)):
        by_title.setdefault(nomination.title, []).append(nomination)
    annex = []
    for index, (title, nominations) in enumerate(by_title.items()):
        collective = nominations[0].is_collective
        group = AnnexGroup(f"{ROMAN[index % 10]}. DANH HIỆU “{title.name.upper()}”", collective)
        for number, nomination in enumerate(nominations, start=1):
            if collective:
                group.rows.append([str(number), nomination.unit.name])
            else:
                staff = nomination.staff
                group.rows.append(
                    [str(number), staff.full_name, staff.position, nomination.unit.name]
                )
        annex.append(group)
    people = sum(1 for nomination in awarded if not nomination.is_collective)
    units = len(awarded) - people
    awardees = people_and_units(people, units)
    span = f"từ ngày {period.starts_on:%d/%m/%Y} đến ngày {period.ends_on:%d/%m/%Y}"
    year = timezone.localdate(timezone=LOCAL_ZONE).year
    decision_ref = f"{DECISION_NUMBER.removeprefix('Số: ')} {date_in_words(None, year=year)}"
    return Decision(
        header=_header(period, number=DECISION_NUMBER, day=None, council=False, year=year),
        subject=f"Về việc khen thưởng danh hiệu thi đua {period_words(period)}",
        authority=f"CHỦ TỊCH {body}",
        grounds=[
            "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",
            "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy "
            "định chi tiết thi hành một số điều của Luật Thi đua, khen thưởng;",
            "Căn cứ Biên bản họp Hội đồng Thi đua - Khen thưởng "
            f"{date_in_words(timezone.localtime(meeting.held_at, LOCAL_ZONE).date())};",
            "Theo đề nghị của Trưởng phòng Nội vụ.",
        ],
        articles=[
            (
                "Điều 1.",
                f"Tặng danh hiệu thi đua {period_words(period)} ({span}) cho {awardees} có "
                "tên trong danh sách kèm theo Quyết định này.",
            ),
            ("Điều 2.", "Quyết định này có hiệu lực kể từ ngày ký."),
            (
                "Điều 3.",
                "Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân, Trưởng phòng Nội vụ, "
                "thủ trưởng các cơ quan, đơn vị có liên quan và các cá nhân, tập thể có tên tại "
                "Điều 1 chịu trách nhiệm thi hành Quyết định này./.",
            ),
        ],
        recipients=["Như Điều 3;", "Lưu: VT, NV."],
        signer="CHỦ TỊCH",
        annex_title=f"DANH SÁCH KHEN THƯỞNG DANH HIỆU THI ĐUA {period.name.upper()}",
        annex_note=f"(Kèm theo Quyết định {decision_ref} của Chủ tịch {body_in_text})",
        annex=annex,
    )


def award_decision_pdf(*, period: Period) -> bytes:
    return _pdf("emulation/decision_pdf.html", {"decision": award_decision(period=period)})


def award_decision_docx(*, period: Period) -> bytes:
    """The same draft as a Word document (A4, Times New Roman 14 pt), for the office to edit."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    decision = award_decision(period=period)
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    # Decree 30/2020, annex I: margins top and bottom 20-25 mm, left 30-35, right 15-20.
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(14)
    # East Asian text (the diacritics) takes the font from this attribute, not from the name.
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    normal.paragraph_format.space_after = Pt(0)

    def paragraph(
        text="", *, bold=False, italic=False, size=None, align=None, cell=None, indent=False
    ):
        if cell is None:
            target = document.add_paragraph()
        elif len(cell.paragraphs) == 1 and not cell.paragraphs[0].runs:
            target = cell.paragraphs[0]  # a new cell's own empty paragraph
        else:
            target = cell.add_paragraph()
        if align is not None:
            target.alignment = align
        if indent:
            target.paragraph_format.first_line_indent = Mm(10)
            target.paragraph_format.space_after = Pt(6)
        run = target.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        return target

    center = WD_ALIGN_PARAGRAPH.CENTER
    header = document.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    left.width, right.width = Mm(70), Mm(95)
    for line in decision.header.issuer_lines:
        paragraph(line, bold=True, size=13, align=center, cell=left)
    paragraph("———", align=center, cell=left, size=10)
    paragraph(decision.header.number, size=13, align=center, cell=left)
    paragraph(NATION, bold=True, size=13, align=center, cell=right)
    paragraph(MOTTO, bold=True, align=center, cell=right)
    paragraph("———————————", align=center, cell=right, size=10)
    paragraph(decision.header.place_date, italic=True, align=center, cell=right)

    paragraph()
    paragraph("QUYẾT ĐỊNH", bold=True, align=center)
    paragraph(decision.subject, bold=True, align=center)
    paragraph("———", align=center, size=10)
    paragraph(decision.authority, bold=True, align=center)
    paragraph()
    for line in decision.grounds:
        paragraph(line, italic=True, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    paragraph("QUYẾT ĐỊNH:", bold=True, align=center)
    for label, text in decision.articles:
        article = paragraph(label + " ", bold=True, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        article.add_run(text)

    footer = document.add_table(rows=1, cols=2)
    recipients, signature = footer.rows[0].cells
    paragraph("Nơi nhận:", bold=True, italic=True, size=12, cell=recipients)
    for line in decision.recipients:
        paragraph(f"- {line}", size=11, cell=recipients)
    paragraph(decision.signer, bold=True, align=center, cell=signature)

    annex_start = paragraph()
    annex_start.add_run().add_break(WD_BREAK.PAGE)
    paragraph(decision.annex_title, bold=True, align=center)
    paragraph(decision.annex_note, italic=True, align=center)
    paragraph()
    for group in decision.annex:
        paragraph(group.heading, bold=True)
        columns = (
            ["STT", "Tên tập thể"]
            if group.collective
            else ["STT", "Họ và tên", "Chức danh", "Đơn vị"]
        )
        table = document.add_table(rows=1, cols=len(columns))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, columns, strict=True):
            paragraph(text, bold=True, size=12, align=center, cell=cell)
        for row in group.rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text
        paragraph()
    if not decision.annex:
        paragraph("Không có.", italic=True)

    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
