"""Journey 1, on a 360 by 740 phone: the inspector's visit, from today's round to a submitted
record with its photo, sent twice by a flaky mobile network and still made once. Run in
Vietnamese and once in English."""

import pytest
from django.utils import timezone

from inspections.models import (
    Attendance,
    ChecklistResult,
    Evidence,
    FormSubmission,
    RecordStatus,
    ViolationRecord,
    ViolationType,
)
from tests.system.browser.conftest import PHONE
from tests.system.browser.journeys import (
    build_city,
    check_page,
    go_by_menu,
    heading,
    label,
    loaded_width,
    log_in,
    messages_of,
    photo_bytes,
    t,
    tn,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("media_root"),
]


def resend_once(route):
    """A mobile network that lost the answer and sent the same request again: the server gets
    the form twice, byte for byte (same idempotency key, same photo), the phone sees the last.
    The page sends it itself (static/js/offline.js), to keep it on the phone if it fails."""
    first = route.fetch(max_redirects=0)
    second = route.fetch(max_redirects=0)
    resend_once.statuses = [first.status, second.status]
    resend_once.locations = [first.json()["url"], second.json()["url"]]
    route.fulfill(response=second)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_it_takes_the_inspector_from_the_round_to_one_submitted_record(phone, language):
    city = build_city()
    hang = city.people["Nguyễn Thị Hằng"]
    hung = city.people["Nguyễn Văn Hùng"]
    today = timezone.localdate().strftime("%d/%m/%Y")

    phone.set_default_timeout(10_000)
    log_in(phone, "thanhtra_test", language)
    go_by_menu(phone, "/inspections/rounds/")
    assert heading(phone) == t(language, "Inspection rounds")
    round_link = phone.locator("a.tap-list__item", has_text="DX-05")
    assert today in round_link.inner_text()
    check_page(phone, language, width=PHONE["width"])

    # Today's round: its two units, and the form that starts a visit.
    round_link.click()
    assert heading(phone) == "DX-05 · Kiểm tra đột xuất tháng này"
    assert phone.locator("main ul.plain-list li").all_inner_texts() == [
        "Phường Đông Kinh (P-DK)",
        "Xã Hoàng Đồng (X-HD)",
    ]
    assert phone.locator("main").inner_text().count(t(language, "No visit yet.")) == 1
    check_page(phone, language, width=PHONE["width"])
    phone.select_option("#id_unit", str(city.unit_a.pk))
    phone.fill("#id_representative", "Bà Hoàng Thị Mai, Phó Chủ tịch UBND phường")
    phone.click("text=" + t(language, "Start the visit now"))

    assert heading(phone) == "Phường Đông Kinh"
    facts = phone.locator("dl.facts").inner_text()
    assert t(language, "in progress") in facts
    assert "Bà Hoàng Thị Mai" in facts
    assert phone.locator("main").inner_text().count(t(language, "Not filled in yet.")) == 1
    check_page(phone, language, width=PHONE["width"])
    visit_url = phone.url

    # The unit checklist: six items, one failed with a note.
    phone.click("nav.big-actions >> text=" + t(language, "Unit checklist"))
    assert heading(phone) == t(language, "Unit checklist")
    items = phone.locator("fieldset.check-item")
    assert items.count() == 6
    check_page(phone, language, width=PHONE["width"])
    for index in range(6):
        result = "failed" if index == 2 else "passed"
        items.nth(index).locator(f"input[value={result}]").check()
    items.nth(2).locator("input[type=text]").fill("Chưa niêm yết thủ tục mới")
    with phone.expect_navigation():  # sent by the page, which then opens the visit
        phone.click("main form button[type=submit]")
    assert messages_of(phone) == [t(language, "Checklist saved.")]
    answers = phone.locator("main ul.plain-list li").all_inner_texts()
    assert len(answers) == 6
    assert sum(label(language, ChecklistResult.PASSED) in answer for answer in answers) == 5
    assert next(answer for answer in answers if "Chưa niêm yết" in answer).startswith(
        label(language, ChecklistResult.FAILED)
    )

    # The roll call: one tap per person; Hùng is late, which opens a draft at once.
    phone.click("nav.big-actions >> text=" + t(language, "Roll call"))
    assert heading(phone) == t(language, "Roll call")
    people = phone.locator("li.roll-call__person")
    assert people.count() == 3
    check_page(phone, language, width=PHONE["width"])
    for name, attendance in (
        ("Nguyễn Thị Hằng", Attendance.PRESENT),
        ("Nguyễn Thị Hương", Attendance.PRESENT),
        ("Nguyễn Văn Hùng", Attendance.LATE),
    ):
        person = people.filter(has_text=name)
        person.locator(f"button[value={attendance}]").click()
        assert person.locator(".status").inner_text() == label(language, attendance)
    # Marked in place (htmx): the notice stands in the person's row, not at the page's top.
    assert people.filter(has_text="Nguyễn Văn Hùng").locator(".message").inner_text() == t(
        language, "%(name)s: a draft record was opened.", name="Nguyễn Văn Hùng"
    )
    assert people.filter(has_text="Nguyễn Văn Hùng").locator("a").inner_text() == t(
        language, "Open the record"
    )
    assert ViolationRecord.objects.filter(staff=hung, status=RecordStatus.DRAFT).count() == 1

    # The record: Hằng found by her name typed without diacritics.
    phone.goto(visit_url)
    phone.click("nav.big-actions >> text=" + t(language, "New record"))
    assert heading(phone) == t(language, "New record")
    assert phone.locator("#id_staff option").count() == 4  # the three, and "choose"
    phone.fill("#id_q", "nguyen thi hang")
    phone.click("form.staff-finder button")
    assert (
        phone.locator(".staff-finder__result")
        .inner_text()
        .startswith(
            tn(
                language,
                "%(counter)s person of this unit matches “%(query)s”.",
                "%(counter)s people of this unit match “%(query)s”.",
                1,
                query="nguyen thi hang",
            )
        )
    )
    chosen = phone.locator("#id_staff option:checked")
    assert chosen.inner_text() == str(hang)
    check_page(phone, language, width=PHONE["width"])
    phone.select_option("#id_type", ViolationType.NO_BADGE.value)
    phone.fill("#id_description", "Không đeo thẻ công chức khi tiếp công dân tại bộ phận một cửa.")
    phone.fill("#id_explanation", "Quên thẻ ở nhà.")
    phone.check("#id_signature input[value=signed]")
    phone.set_input_files(
        "#id_photos", files=[{"name": "the.png", "mimeType": "image/png", "buffer": photo_bytes()}]
    )
    phone.route("**/records/new/", resend_once)
    with phone.expect_navigation():
        phone.click("main form[method=post] button[type=submit]")
    phone.unroute("**/records/new/")

    # The server answered both with the same record; the phone shows it, with its photo.
    assert resend_once.statuses == [200, 200]
    assert resend_once.locations[0] == resend_once.locations[1]
    assert phone.url.endswith(resend_once.locations[1])
    assert messages_of(phone) == [t(language, "The record is saved as a draft.")]
    assert phone.locator(".status").first.inner_text() == label(language, RecordStatus.DRAFT)
    assert "Nguyễn Thị Hằng (DK-001)" in phone.locator("dl.facts").inner_text()
    thumbnail = phone.locator("ul.photo-grid img")
    assert thumbnail.count() == 1
    assert loaded_width(thumbnail) > 0
    check_page(phone, language, width=PHONE["width"])
    record = ViolationRecord.objects.get(staff=hang)
    assert Evidence.objects.filter(record=record).count() == 1
    assert FormSubmission.objects.filter(record=record).count() == 1

    # Submitted, after saying once more what that does: numbered, and listed once at the visit.
    phone.click("text=" + t(language, "Submit for review"))
    assert heading(phone) == t(language, "Confirm this step")
    assert record.status == RecordStatus.DRAFT
    check_page(phone, language, width=PHONE["width"])
    phone.click("button.button--consequential")
    assert messages_of(phone) == [t(language, "The record is submitted for review.")]
    assert heading(phone) == f"{t(language, 'Violation record')} 1/BB-KTCV"
    assert phone.locator(".status").first.inner_text() == label(language, RecordStatus.SUBMITTED)
    phone.goto(visit_url)
    rows = phone.locator("ul.tap-list .record-row").all_inner_texts()
    assert len(rows) == 2  # Hằng's record and Hùng's draft from the roll call
    assert sum("Nguyễn Thị Hằng" in row for row in rows) == 1
    assert next(row for row in rows if "Nguyễn Thị Hằng" in row).startswith(
        "1/BB-KTCV · Nguyễn Thị Hằng"
    )
    assert ViolationRecord.objects.filter(staff=hang).count() == 1
    assert ViolationRecord.objects.get(staff=hang).status == RecordStatus.SUBMITTED
