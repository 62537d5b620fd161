"""The council's documents in the Decree 30 layout: the list, the minutes of its meeting (typed
by the period's secretary) and the draft award decision, PDF and DOCX, through the prepared-file
flow of the period page."""

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from docx import Document
from pypdf import PdfReader

from core.models import Refusal
from emulation import services
from emulation.documents import (
    DECISION_NOT_APPROVED,
    MEETING_NOT_RECORDED,
    council_list,
    date_in_words,
    issuing_body,
)
from emulation.models import CouncilMeeting, Period, PeriodStatus
from exports.models import Export, ExportStatus
from inspections.models import RecordStatus
from personnel.models import Role, Staff, Unit, UnitKind
from tests.factories import Clock, local, make_period, make_record, make_staff, make_user

NOW = local(2026, 12, 7, 9, 0)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, NOW)


@pytest.fixture
def city(unit_a, unit_b):
    """The city's People's Committee at the top of the tree, above units A and B."""
    root = Unit.objects.create(code="UBND-LS", name="UBND thành phố Lạng Sơn", kind=UnitKind.OTHER)
    Unit.objects.filter(pk__in=[unit_a.pk, unit_b.pk]).update(parent=root)
    return root


@pytest.fixture
def period(city, unit_a, unit_b, clock):
    """2019: one person excluded, one deferred, one eligible well rated, one eligible not
    fully checked; unit A nominated for a collective title it does not reach."""
    period = make_period("2019")
    people = {
        "S001": make_staff("S001", unit=unit_a, full_name="Nguyễn Văn Hùng"),
        "S002": make_staff("S002", unit=unit_a, full_name="Lê Thị Hoa"),
        "S003": make_staff("S003", unit=unit_a, full_name="Phạm Minh Tuấn"),
        "S004": make_staff("S004", unit=unit_b, full_name="Đỗ Thu Trang"),
    }
    Staff.objects.filter(code="S004").update(
        hired_on=datetime.date(2012, 9, 1), position="Công chức Văn phòng - Thống kê"
    )
    make_record(people["S001"], local(2019, 3, 12, 8, 0), number="BB-01/2019")
    make_record(people["S002"], local(2019, 4, 2, 8, 0), RecordStatus.SUBMITTED, number="BB-02")
    for code, person in people.items():
        services.nomination_create(
            period_code="2019",
            staff_code=code,
            title_code="lao_dong_tien_tien",
            unit=person.postings.first().unit,
            submitted_by=None,
            rating="tot" if code == "S004" else "",
        )
    services.nomination_create(
        period_code="2019", title_code="tap_the_lao_dong_tien_tien", unit=unit_a, submitted_by=None
    )
    return period


@pytest.fixture
def secretary(period):
    user = make_user("thuky", role=Role.COUNCIL, first_name="Thu", last_name="Vũ Thị")
    Period.objects.filter(pk=period.pk).update(secretary=user)
    period.refresh_from_db()
    return user


@pytest.fixture
def in_review(period, council_member):
    return services.period_start_review(period=period, user=council_member)


MEETING = {
    "held_at": "2026-12-07T14:30",
    "place": "Phòng họp số 1, Ủy ban nhân dân thành phố",
    "chair": "Hoàng Văn Minh",
    "members_present": "9",
    "members_absent": "2",
    "votes_agree": "8",
    "votes_disagree": "0",
    "votes_abstain": "1",
    "opinions": "Thống nhất với kết quả rà soát.",
}


@pytest.fixture
def meeting(in_review, secretary):
    return services.council_meeting_record(
        period=in_review,
        user=secretary,
        held_at=local(2026, 12, 7, 14, 30),
        place=MEETING["place"],
        chair=MEETING["chair"],
        members_present=9,
        members_absent=2,
        votes_agree=8,
        votes_disagree=0,
        votes_abstain=1,
    )


@pytest.fixture
def approved(meeting, council_member):
    return services.period_approve(period=meeting.period, user=council_member)


def pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(BytesIO(data)).pages
    )


def docx_text(data: bytes) -> str:
    document = Document(BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


@pytest.fixture
def prepared(client, django_capture_on_commit_callbacks, settings, tmp_path):
    """prepared(period, fmt): the file a button of the period page prepares, made as the task
    worker makes it and downloaded: (the download's response, its bytes)."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def prepare(period, fmt):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("emulation:period_prepare", args=[period.code]), {"format": fmt}
            )
        kind = {"pdf": "period_pdf", "xlsx": "period_xlsx"}.get(fmt, fmt)
        export = Export.objects.get(kind=kind)
        assert response["Location"] == reverse("exports:status", args=[export.pk])
        assert export.status == ExportStatus.READY
        answer = client.get(reverse("exports:download", args=[export.pk]))
        return answer, b"".join(answer.streaming_content)

    return prepare


DECREE_30_HEADER = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN",  # set on two lines, read back as one
]


# --- The issuing body and the date --------------------------------------------------------------


def test_it_names_the_issuing_body_from_the_top_of_the_unit_tree(period):
    assert issuing_body(period) == "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN"


def test_it_writes_the_date_in_words_as_decree_30_does():
    assert date_in_words(datetime.date(2026, 12, 7)) == "ngày 07 tháng 12 năm 2026"
    assert date_in_words(datetime.date(2026, 2, 15)) == "ngày 15 tháng 02 năm 2026"
    assert date_in_words(datetime.date(2026, 3, 5)) == "ngày 05 tháng 3 năm 2026"


# --- The council's list ------------------------------------------------------------------------


def test_it_prints_the_list_in_the_decree_30_layout_with_every_section(
    client, prepared, period, secretary, council_member, unit_a
):
    client.force_login(council_member)

    _download, data = prepared(period, "pdf")

    text = pdf_text(data)
    for element in [
        *DECREE_30_HEADER,
        "HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG",
        "Số: …/DS-HĐTĐKT",
        "Lạng Sơn, ngày 07 tháng 12 năm 2026",
        "DANH SÁCH XÉT THI ĐUA, KHEN THƯỞNG KỲ NĂM 2019",
        "THƯ KÝ HỘI ĐỒNG",
        "CHỦ TỊCH HỘI ĐỒNG",
        "Vũ Thị Thu",
    ]:
        assert element in text, element
    people, collectives = text.split("B. TẬP THỂ")
    sections = [
        "I. KHÔNG ĐỦ ĐIỀU KIỆN",
        "II. TẠM HOÃN XÉT, CHỜ KẾT QUẢ XEM XÉT",
        "III. ĐỦ ĐIỀU KIỆN, CHƯA KIỂM TRA ĐỦ TIÊU CHUẨN",
        "IV. ĐỦ ĐIỀU KIỆN",
    ]
    at = [people.index(section) for section in sections]
    assert at == sorted(at)
    assert at[0] < people.index("S001") < at[1] < people.index("S002") < at[2]
    assert at[2] < people.index("S003") < at[3] < people.index("S004")
    # A row: its number, the person with their code and unit, the title; its reasons below.
    assert (
        f"1. Nguyễn Văn Hùng (S001), {unit_a.name} – Lao động tiên tiến "
        "Biên bản vi phạm BB-01/2019 ngày 12/03/2019 đã được xác nhận trong kỳ"
    ) in people
    assert "Biên bản vi phạm BB-02 ngày 02/04/2019 đang chờ xem xét: tạm hoãn xét" in people
    # Every section of the collectives too, the empty ones said so.
    at = [collectives.index(section) for section in sections]
    assert at == sorted(at)
    assert "P-A" in collectives[at[0] : at[1]]
    assert collectives[at[1] : at[2]].count("Không có.") == 1
    assert "Luật Thi đua, khen thưởng số 06/2022/QH15, Điều 27 và Điều 28" in collectives


def test_it_keeps_the_list_workbook_as_it_was(client, prepared, period, council_member):
    client.force_login(council_member)

    _download, data = prepared(period, "xlsx")

    from openpyxl import load_workbook

    rows = [
        [cell for cell in row if cell is not None]
        for row in load_workbook(BytesIO(data)).active.iter_rows(values_only=True)
    ]
    assert rows[0] == ["HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
    assert ["III. ĐỦ ĐIỀU KIỆN, CHƯA KIỂM TRA ĐỦ TIÊU CHUẨN"] in rows
    assert ["Không có."] not in rows


# --- The secretary -----------------------------------------------------------------------------


def test_it_lets_a_council_member_name_the_secretary(client, period, council_member):
    other = make_user("thanhvien", role=Role.COUNCIL)
    client.force_login(council_member)

    response = client.post(
        reverse("emulation:period_secretary", args=["2019"]), {"secretary": other.pk}
    )

    assert response["Location"] == reverse("emulation:period", args=["2019"])
    period.refresh_from_db()
    assert period.secretary == other


def test_it_refuses_a_secretary_outside_the_council(period, council_member, reviewer):
    with pytest.raises(services.DomainError) as refused:
        services.period_secretary_set(period=period, secretary=reviewer, user=council_member)

    assert refused.value.message == services.SECRETARY_NOT_COUNCIL
    period.refresh_from_db()
    assert period.secretary is None


@pytest.mark.parametrize("persona", ["reviewer", "unit_head", "outsider"])
def test_it_lets_only_the_council_name_the_secretary(client, request, period, persona):
    client.force_login(request.getfixturevalue(persona))
    someone = make_user("thanhvien", role=Role.COUNCIL)

    response = client.post(
        reverse("emulation:period_secretary", args=["2019"]), {"secretary": someone.pk}
    )

    assert response.status_code == 403
    period.refresh_from_db()
    assert period.secretary is None


# --- The meeting -------------------------------------------------------------------------------


def test_it_records_the_meeting_typed_by_the_secretary(client, in_review, secretary):
    client.force_login(secretary)

    response = client.post(reverse("emulation:council_meeting", args=["2019"]), MEETING)

    assert response["Location"] == reverse("emulation:period", args=["2019"])
    meeting = CouncilMeeting.objects.get()
    assert (meeting.members_present, meeting.members_total) == (9, 11)
    assert (meeting.votes_agree, meeting.votes_disagree, meeting.votes_abstain) == (8, 0, 1)
    assert meeting.held_at == local(2026, 12, 7, 14, 30)
    assert meeting.recorded_by == secretary
    page = client.get(reverse("emulation:period", args=["2019"])).content.decode()
    assert 'value="meeting_pdf"' in page
    assert 'value="decision_pdf"' not in page


def shown(message, **params) -> str:
    """A refusal as the page shows it, in Vietnamese."""
    with translation.override("vi"):
        return escape(str(services.DomainError(message, **params)))


@pytest.mark.parametrize(
    ("change", "message", "params"),
    [
        ({"votes_agree": "7"}, services.MEETING_VOTES_NOT_PRESENT, {"votes": 8, "present": 9}),
        ({"votes_abstain": "-1", "votes_agree": "10"}, services.MEETING_NEGATIVE_COUNT, {}),
        ({"members_absent": "-2"}, services.MEETING_NEGATIVE_COUNT, {}),
        ({"held_at": "2026-12-06T14:30"}, services.MEETING_BEFORE_LIST, {"day": "07/12/2026"}),
        (
            {"members_present": "0", "votes_agree": "0", "votes_abstain": "0"},
            services.MEETING_NOBODY_PRESENT,
            {},
        ),
    ],
)
def test_it_refuses_a_meeting_that_does_not_add_up_and_writes_nothing(
    client, in_review, secretary, change, message, params
):
    client.force_login(secretary)

    response = client.post(reverse("emulation:council_meeting", args=["2019"]), MEETING | change)

    assert response.status_code == 200
    assert shown(message, **params) in response.content.decode()
    assert not CouncilMeeting.objects.exists()


def test_it_refuses_a_meeting_before_the_list_went_to_the_council(period, secretary):
    with pytest.raises(services.DomainError) as refused:
        services.council_meeting_record(
            period=period, user=secretary, held_at=NOW, place="Phòng họp", chair="Chủ tịch",
            members_present=3, members_absent=0, votes_agree=3, votes_disagree=0,
            votes_abstain=0,
        )  # fmt: skip

    assert refused.value.message == services.MEETING_LIST_NOT_SENT
    assert not CouncilMeeting.objects.exists()
    assert Refusal.objects.get().action == "period.meeting"


def test_it_lets_only_the_secretary_type_the_votes(client, in_review, secretary, council_member):
    client.force_login(council_member)

    page = client.get(reverse("emulation:council_meeting", args=["2019"]))
    response = client.post(reverse("emulation:council_meeting", args=["2019"]), MEETING)

    assert page.status_code == 200 and "<form" not in page.content.decode().split("<main")[1]
    assert response.status_code == 403
    assert not CouncilMeeting.objects.exists()


def test_it_prints_the_minutes_of_the_meeting(client, prepared, meeting, reviewer):
    client.force_login(reviewer)

    download, data = prepared(meeting.period, "meeting_pdf")

    assert download["Content-Type"] == "application/pdf"
    text = pdf_text(data)
    for element in [
        *DECREE_30_HEADER,
        "HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG",
        "Số: …/BB-HĐTĐKT",
        "Lạng Sơn, ngày 07 tháng 12 năm 2026",
        "BIÊN BẢN",
        "Họp Hội đồng Thi đua - Khen thưởng xét danh sách đề nghị khen thưởng năm 2019",
        "Vào hồi 14 giờ 30 phút, ngày 07 tháng 12 năm 2026",
        "Chủ trì: Hoàng Văn Minh",
        "Thư ký: Vũ Thị Thu",
        "có mặt 9/11 thành viên; vắng mặt 2 thành viên",
        "gồm 4 cá nhân và 1 tập thể",
        "đủ điều kiện 2; không đủ điều kiện 2; tạm hoãn xét 1",
        "tán thành 8/9 thành viên có mặt (88,9%); không tán thành 0; không có ý kiến 1",
        "THƯ KÝ",
        "CHỦ TRÌ",
    ]:
        assert element in text, element


# --- The draft award decision --------------------------------------------------------------------


def test_it_drafts_no_decision_before_the_list_is_approved(client, meeting, council_member):
    client.force_login(council_member)

    response = client.post(
        reverse("emulation:period_prepare", args=["2019"]), {"format": "decision_docx"}
    )

    assert response["Location"] == reverse("emulation:period", args=["2019"])
    assert not Export.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert shown(DECISION_NOT_APPROVED) in page


def test_it_asks_for_the_meeting_before_its_minutes(client, in_review, council_member):
    client.force_login(council_member)

    response = client.post(
        reverse("emulation:period_prepare", args=["2019"]), {"format": "meeting_pdf"}
    )

    assert not Export.objects.exists()
    assert shown(MEETING_NOT_RECORDED) in client.get(response["Location"]).content.decode()


DECISION_ELEMENTS = [
    "ỦY BAN NHÂN DÂN",
    "THÀNH PHỐ LẠNG SƠN",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Số: …/QĐ-UBND",
    "Lạng Sơn, ngày … tháng … năm 2026",
    "QUYẾT ĐỊNH",
    "Về việc khen thưởng danh hiệu thi đua năm 2019",
    "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN",
    "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",
    "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023",
    "Căn cứ Biên bản họp Hội đồng Thi đua - Khen thưởng ngày 07 tháng 12 năm 2026;",
    "QUYẾT ĐỊNH:",
    "Điều 1.",
    "cho 2 cá nhân có tên trong danh sách kèm theo Quyết định này",
    "Điều 2.",
    "Điều 3.",
    "Nơi nhận:",
    "- Như Điều 3;",
    "CHỦ TỊCH",
    "DANH SÁCH KHEN THƯỞNG DANH HIỆU THI ĐUA NĂM 2019",
    "(Kèm theo Quyết định …/QĐ-UBND ngày … tháng … năm 2026 của Chủ tịch Ủy ban nhân dân "
    "thành phố Lạng Sơn)",
    "I. DANH HIỆU “LAO ĐỘNG TIÊN TIẾN”",
    "Phạm Minh Tuấn",
    "Đỗ Thu Trang",
    "Công chức Văn phòng - Thống kê",
]


def test_it_drafts_the_award_decision_as_pdf(client, prepared, approved, council_member):
    client.force_login(council_member)

    download, data = prepared(approved, "decision_pdf")

    assert download["Content-Type"] == "application/pdf"
    text = pdf_text(data)
    for element in DECISION_ELEMENTS:
        assert element in text, element
    # Only the approved nominations are awarded: not the excluded, not the deferred.
    assert "Nguyễn Văn Hùng" not in text and "Lê Thị Hoa" not in text
    assert text.index("Điều 1.") < text.index("Điều 2.") < text.index("Điều 3.")


def test_it_drafts_the_award_decision_for_word(client, prepared, approved, reviewer):
    client.force_login(reviewer)

    download, data = prepared(approved, "decision_docx")

    assert download["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert download["Content-Disposition"].endswith(
        'filename="du-thao-quyet-dinh-khen-thuong-2019.docx"'
    )
    text = docx_text(data)
    for element in DECISION_ELEMENTS:
        assert element in text, element
    assert "Nguyễn Văn Hùng" not in text
    document = Document(BytesIO(data))
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert round(document.sections[0].page_width.mm) == 210


def test_it_offers_the_decision_on_the_page_once_approved(client, approved, council_member):
    client.force_login(council_member)

    page = client.get(reverse("emulation:period", args=["2019"])).content.decode()

    assert approved.status == PeriodStatus.APPROVED
    assert 'value="decision_pdf"' in page and 'value="decision_docx"' in page


def test_it_prints_the_list_rows_escaped(period, unit_a):
    Staff.objects.filter(code="S003").update(full_name="Phạm <b>Minh</b> & Tuấn")

    text = pdf_text(council_list(period=period))

    assert "Phạm <b>Minh</b> & Tuấn" in text
