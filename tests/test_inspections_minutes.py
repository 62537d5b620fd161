"""The minutes as PDF, read as an official would before signing: every element of Decree
30/2020/NĐ-CP (national title and motto, issuing body, number, place and date in words, the
legal basis, sections numbered without gaps, the team, the person, the witness, the
explanation, the signature blocks, the copies), with and without a witness, with and without a
refused signature, and the review page once reviewed. By permission only."""

import datetime
import io
import re
import zoneinfo

import pytest
from django.urls import reverse
from pypdf import PdfReader

from inspections import services
from personnel.models import Posting, Role, Staff, UnitName
from tests.factories import make_user

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
# 08:45 in Hà Nội on 7 December 2026, in a visit begun at 08:15.
OCCURRED = datetime.datetime(2026, 12, 7, 8, 45, tzinfo=HANOI)


@pytest.fixture(autouse=True)
def document_place(settings):
    settings.DOCUMENT_PLACE = "Lạng Sơn"


@pytest.fixture
def member(db):
    return make_user("member", role=Role.INSPECTOR, first_name="Hà", last_name="Lê Thu")


@pytest.fixture
def the_round(inspector, member, unit_a):
    UnitName.objects.create(
        unit=unit_a,
        official_name="Ủy ban nhân dân phường Đông Kinh",
        issuing_body="ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN",
    )
    return services.round_create(
        code="DX-07", name="Kiểm tra đột xuất tháng 12", kind="surprise",
        starts_on=OCCURRED.date(), ends_on=OCCURRED.date(), lead=inspector, members=[member],
        units=[unit_a], team_decision_number="125/QĐ-UBND",
        team_decision_date=datetime.date(2026, 12, 1), team_decision_signer="Hoàng Văn Minh",
        team_decision_signer_title="Chủ tịch Ủy ban nhân dân thành phố Lạng Sơn",
        plan_number="15/KH-UBND", plan_date=datetime.date(2026, 1, 5),
    )  # fmt: skip


@pytest.fixture
def write(the_round, inspector, member, unit_a, time_machine):
    """Submits minutes of the visit, with or without a witness, signed or refused."""
    time_machine.move_to(OCCURRED - datetime.timedelta(minutes=30), tick=False)
    visit = services.visit_start(
        inspection_round=the_round, unit=unit_a, actor=inspector,
        representative="Bà Hoàng Thị Lụa, Phó Chủ tịch UBND phường", inspectors=[member],
    )  # fmt: skip
    person = Staff.objects.create(
        code="S001", full_name="Nguyễn Văn Đức", category="cong_chuc", position="Công chức Tư pháp"
    )
    Posting.objects.create(staff=person, unit=unit_a)
    time_machine.move_to(OCCURRED + datetime.timedelta(minutes=20), tick=False)

    def write(*, witnesses="", signature="signed", explanation="Quên thẻ ở nhà."):
        created = services.record_create(
            author=member, staff=person, unit=unit_a, visit=visit, type="no_badge",
            occurred_at=OCCURRED,
            description="Không đeo thẻ công chức khi tiếp công dân tại bộ phận một cửa.",
            explanation=explanation, witnesses=witnesses, signature=signature,
        )  # fmt: skip
        return services.record_submit(record=created, actor=member)

    return write


def minutes_text(client, user, record) -> tuple[PdfReader, list[str]]:
    client.force_login(user)
    response = client.get(reverse("inspections:record_pdf", args=[record.pk]))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    return reader, [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


def assert_in_order(text: str, lines: list[str]) -> None:
    for line in lines:
        assert line in text, line
    positions = [text.index(line) for line in lines]
    assert positions == sorted(positions)


def test_it_prints_every_element_of_decree_30(client, reviewer, write):
    record = write(witnesses="Ông Phạm Văn Sơn, Trưởng khu phố", signature="refused")

    reader, pages = minutes_text(client, reviewer, record)

    text = " ".join(pages)
    assert_in_order(
        text,
        [
            # The issuing body over the team, then the number (left); the national title,
            # the motto, then the place and date (right).
            "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN ĐOÀN KIỂM TRA CÔNG VỤ Số: 1/BB-KTCV",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc",
            "Lạng Sơn, ngày 07 tháng 12 năm 2026",
            "BIÊN BẢN",
            "Về việc vi phạm kỷ luật, kỷ cương hành chính",
            "Căn cứ Quyết định số 125/QĐ-UBND ngày 01 tháng 12 năm 2026 của Chủ tịch Ủy ban nhân "
            "dân thành phố Lạng Sơn về việc thành lập Đoàn kiểm tra công vụ;",
            "Căn cứ Kế hoạch số 15/KH-UBND ngày 05 tháng 01 năm 2026;",
            "Vào lúc 08 giờ 45 phút, ngày 07 tháng 12 năm 2026, tại Ủy ban nhân dân phường Đông "
            "Kinh.",
            "I. THÀNH PHẦN",
            "1. Đoàn kiểm tra:",
            "- Trần Khôi, Trưởng đoàn;",
            "- Lê Thu Hà, Thành viên.",
            "Người lập biên bản: Lê Thu Hà.",
            "2. Đại diện đơn vị: Bà Hoàng Thị Lụa, Phó Chủ tịch UBND phường.",
            "3. Người vi phạm:",
            "Ông/Bà: Nguyễn Văn Đức;",
            "Chức danh: Công chức Tư pháp;",
            "Đơn vị công tác: Ủy ban nhân dân phường Đông Kinh.",
            "4. Người chứng kiến: Ông Phạm Văn Sơn, Trưởng khu phố.",
            "II. NỘI DUNG VI PHẠM",
            "1. Hành vi vi phạm: Không đeo thẻ công chức, viên chức.",
            "2. Diễn biến sự việc: Không đeo thẻ công chức khi tiếp công dân tại bộ phận một cửa.",
            "III. Ý KIẾN GIẢI TRÌNH CỦA NGƯỜI VI PHẠM",
            "Quên thẻ ở nhà.",
            "Biên bản được lập thành 02 bản có giá trị như nhau",
            "đã đọc lại cho những người có tên trên cùng nghe. Người vi phạm từ chối ký biên bản.",
            # Each block: its title, the instruction, the room to sign, then the name.
            "NGƯỜI VI PHẠM (Ký, ghi rõ họ tên) Người vi phạm từ chối ký biên bản",
            "TRƯỞNG ĐOÀN KIỂM TRA (Ký, ghi rõ họ tên) Trần Khôi",
            "NGƯỜI CHỨNG KIẾN (Ký, ghi rõ họ tên) Xác nhận người vi phạm từ chối ký "
            "Ông Phạm Văn Sơn, Trưởng khu phố",
            "NGƯỜI LẬP BIÊN BẢN (Ký, ghi rõ họ tên) Lê Thu Hà",
        ],
    )
    # The round's internal code is no part of the legal text; nor is the staff code.
    assert "DX-07" not in text
    assert "S001" not in text
    assert "Chức vụ" not in text
    assert "KẾT QUẢ XEM XÉT" not in text
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    fonts = {str(font.get_object()["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert any(font.endswith("+Liberation-Serif") for font in fonts), fonts


def test_it_numbers_the_parties_without_gaps_when_nobody_witnessed(client, reviewer, write):
    record = write(witnesses="", signature="signed", explanation="")

    _, pages = minutes_text(client, reviewer, record)

    text = " ".join(pages)
    assert_in_order(
        text,
        [
            "1. Đoàn kiểm tra:",
            "2. Đại diện đơn vị:",
            "3. Người vi phạm:",
            "II. NỘI DUNG VI PHẠM",
            "Không có ý kiến giải trình.",
            "công nhận đúng và cùng ký tên dưới đây.",
            "NGƯỜI VI PHẠM (Ký, ghi rõ họ tên) Nguyễn Văn Đức",
            "TRƯỞNG ĐOÀN KIỂM TRA (Ký, ghi rõ họ tên) Trần Khôi",
            "NGƯỜI LẬP BIÊN BẢN (Ký, ghi rõ họ tên) Lê Thu Hà",
        ],
    )
    assert "4." not in text.split("II. NỘI DUNG VI PHẠM")[0]
    assert "Người chứng kiến" not in text
    assert "NGƯỜI CHỨNG KIẾN" not in text
    assert "từ chối ký" not in text


def test_it_leaves_out_a_legal_basis_the_round_does_not_record(client, reviewer, write, the_round):
    type(the_round).objects.filter(pk=the_round.pk).update(
        team_decision_number="", team_decision_date=None, plan_number="", plan_date=None
    )
    record = write()

    _, pages = minutes_text(client, reviewer, record)

    text = " ".join(pages)
    assert "Căn cứ" not in text
    assert "Quyết định số" not in text
    assert "Vào lúc 08 giờ 45 phút" in text


def test_it_adds_the_review_page_once_the_record_is_confirmed(
    client, reviewer, write, time_machine
):
    record = write(witnesses="Ông Phạm Văn Sơn", signature="refused")
    _, before = minutes_text(client, reviewer, record)
    reviewer.first_name, reviewer.last_name = "Lan", "Đỗ Thị"
    reviewer.save(update_fields=["first_name", "last_name"])
    time_machine.move_to(datetime.datetime(2026, 12, 9, 14, 0, tzinfo=HANOI), tick=False)

    services.record_confirm(
        record=record, reviewer=reviewer, note="Ảnh chụp và người chứng kiến xác nhận."
    )
    _, after = minutes_text(client, reviewer, record)

    assert "KẾT QUẢ XEM XÉT" not in " ".join(before)
    # The minutes themselves are unchanged; the review is a page of its own after them.
    assert after[:-1] == before
    assert_in_order(
        after[-1],
        [
            "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN ĐOÀN KIỂM TRA CÔNG VỤ",
            "KẾT QUẢ XEM XÉT BIÊN BẢN",
            "(Kèm theo Biên bản số 1/BB-KTCV lập ngày 07 tháng 12 năm 2026)",
            "1. Kết quả xem xét: Xác nhận vi phạm.",
            "2. Người xem xét: Đỗ Thị Lan, Phòng Nội vụ.",
            "3. Ngày xem xét: ngày 09 tháng 12 năm 2026.",
            "4. Lý do: Ảnh chụp và người chứng kiến xác nhận.",
            "NGƯỜI XEM XÉT (Ký, ghi rõ họ tên) Đỗ Thị Lan",
        ],
    )


def test_it_records_a_dismissal_and_an_appeal_that_overturns(client, reviewer, write):
    dismissed = write()
    confirmed = write()
    other_reviewer = make_user("reviewer2", role=Role.REVIEWER, first_name="Nam", last_name="Vũ")
    services.record_dismiss(record=dismissed, reviewer=reviewer, reason="Đã có giấy nghỉ phép.")
    services.record_confirm(record=confirmed, reviewer=reviewer)
    services.record_appeal(record=confirmed, actor=reviewer, reason="Thẻ bị hỏng, đã báo.")
    services.appeal_decide(
        record=confirmed, reviewer=other_reviewer, outcome="overturned", reason="Có biên nhận."
    )

    _, dismissal = minutes_text(client, reviewer, dismissed)
    _, overturned = minutes_text(client, reviewer, confirmed)

    assert_in_order(
        dismissal[-1],
        [
            "1. Kết quả xem xét: Không xác nhận vi phạm, hủy biên bản.",
            "4. Lý do: Đã có giấy nghỉ phép.",
        ],
    )
    assert "kiến nghị" not in dismissal[-1]
    assert_in_order(
        overturned[-1],
        [
            "1. Kết quả xem xét: Xác nhận vi phạm.",
            "4. Lý do: Không ghi lý do.",
            "5. Kết quả giải quyết kiến nghị: Hủy biên bản theo kết quả giải quyết kiến nghị",
            "6. Người giải quyết: Vũ Nam, Phòng Nội vụ; ngày 07 tháng 12 năm 2026.",
            "7. Lý do: Có biên nhận.",
            "NGƯỜI GIẢI QUYẾT KIẾN NGHỊ (Ký, ghi rõ họ tên) Vũ Nam",
        ],
    )


def test_it_names_the_unit_as_it_was_called_on_the_day_of_the_minutes(
    client, reviewer, write, unit_a
):
    UnitName.objects.create(
        unit=unit_a,
        valid_from=datetime.date(2027, 1, 1),
        official_name="Ủy ban nhân dân phường Đông Kinh mới",
        issuing_body="ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN",
    )
    record = write()

    _, pages = minutes_text(client, reviewer, record)

    text = " ".join(pages)
    assert "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN" in text
    assert "TỈNH" not in text
    assert "Đông Kinh mới" not in text


def test_it_prints_no_minutes_for_a_draft(client, inspector, write, unit_a):
    record = write()
    draft = services.record_create(
        author=inspector, staff=record.staff, unit=unit_a, type="other", description="Khác.",
        occurred_at=OCCURRED,
    )  # fmt: skip
    client.force_login(inspector)

    assert client.get(reverse("inspections:record_pdf", args=[draft.pk])).status_code == 404


def test_it_keeps_the_minutes_from_those_who_may_not_see_the_record(
    client, write, council_member, outsider, unit_b
):
    record = write()
    client.force_login(outsider)
    refused = client.get(reverse("inspections:record_pdf", args=[record.pk]))
    client.force_login(make_user("head_b", role=Role.UNIT_HEAD, unit=unit_b))
    hidden = client.get(reverse("inspections:record_pdf", args=[record.pk]))
    # The council reads only the minutes its lists cite; this record is on none.
    client.force_login(council_member)
    not_cited = client.get(reverse("inspections:record_pdf", args=[record.pk]))

    assert (refused.status_code, hidden.status_code, not_cited.status_code) == (403, 404, 404)
