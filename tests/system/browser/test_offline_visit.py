"""On a 360 by 740 phone, the network cut with Playwright: the visit opened online is kept on
the phone; the checklist, the roll call (marks, an undo, all the rest present, the count) and
two records with photos (one person found by a name typed without diacritics, the other by the
QR code of their e-card) are queued; the queue survives a reload; when the network returns
everything arrives once, a mark and a record refused meanwhile (the person moved away) stay
with their reason, the mark is discarded, the record fixed and sent again; signing out empties
the phone's store."""

import io
import os

import pytest
import qrcode
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from core.text import fold
from inspections.models import (
    Attendance,
    ChecklistAnswer,
    ChecklistItem,
    FormSubmission,
    RollCallEntry,
    ViolationRecord,
)
from personnel.cards import MALFORMED_CARD
from personnel.services import staff_transfer
from tests.system.browser.journeys import (
    build_city,
    log_in,
    open_menu,
    photo_bytes,
    t,
    visit_at,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("media_root"),
]


def card_photo(number: str) -> bytes:
    """A photo of an e-card's QR code (qrcode, already a requirement for two-factor sign-in)."""
    out = io.BytesIO()
    qrcode.make(number, border=6).save(out, format="PNG")
    return out.getvalue()


def camera_photo() -> dict:
    """A photo of a phone's camera size (a few hundred KB: noise does not compress)."""
    out = io.BytesIO()
    Image.frombytes("RGB", (400, 300), os.urandom(400 * 300 * 3)).save(out, format="PNG")
    return {"name": "camera.png", "mimeType": "image/png", "buffer": out.getvalue()}


def photo(name: str) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": photo_bytes()}


FULL = t(
    "vi",
    "The phone's storage is full: this was not saved. Free some space (old photos, other apps) "
    "and save again; what you typed is still in the form.",
)
QUEUE_SIZE = """() => new Promise(resolve => {
  const opening = indexedDB.open("kycuong", 1);
  opening.onsuccess = () => {
    const count = opening.result.transaction("queue").objectStore("queue").count();
    count.onsuccess = () => { opening.result.close(); resolve(count.result); };
  };
})"""


def waiting(page) -> str:
    return page.locator(".offline-queue__count").inner_text()


def progress(page) -> str:
    return page.locator("#roll-call-progress strong").inner_text()


def tap(page, name: str, attendance: str):
    row = page.locator("li.roll-call__person", has_text=name)
    row.locator(f"button[value={attendance}]").click()
    return row


def test_it_keeps_the_visit_on_the_phone_and_sends_the_queue_once(phone):
    city = build_city()
    hang, hung, huong = (
        city.people[name] for name in ("Nguyễn Thị Hằng", "Nguyễn Văn Hùng", "Nguyễn Thị Hương")
    )
    visit = visit_at(city, city.unit_a)
    items = ChecklistItem.objects.filter(template__is_active=True).count()
    phone.set_default_timeout(15_000)
    log_in(phone, "thanhtra_test", "vi")
    phone.goto(f"/inspections/visits/{visit.pk}/")
    phone.wait_for_selector("html[data-offline=ready]", state="attached")
    assert phone.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    # The phone folds a typed name as the server does.
    names = ["Nguyễn Thị Hằng", "ĐỖ  Đức Ánh", "Lưu Văn Bình", "Trần Thị Thu Hà"]
    assert phone.evaluate("names => names.map(window.kcFold)", names) == [fold(n) for n in names]
    # The record form's position script is kept too, though the visit page does not load it.
    kept = phone.evaluate(
        "async () => { const names = await caches.keys();"
        " const cache = await caches.open(names[0]);"
        " return (await cache.keys()).map(request => request.url); }"
    )
    assert any("/js/photo-position" in url for url in kept)

    phone.context.set_offline(True)
    phone.click("nav.big-actions a[href$='/checklist/']")
    for fieldset in phone.locator("fieldset.check-item").all():
        fieldset.locator("input[type=radio]").first.check()
    phone.click("#checklist-form button[type=submit]")
    phone.wait_for_selector("#offline-queue:not([hidden])")
    assert waiting(phone).startswith("1 ")

    # The roll call, from the roster kept on the phone: each tap shows at once, with the count.
    phone.click(".breadcrumbs a")
    phone.click("nav.big-actions a[href$='/roll-call/']")
    expect(phone.locator("#roll-call-progress strong")).to_have_text("0/3")
    present, late, excused = (
        str(choice.label) for choice in (Attendance.PRESENT, Attendance.LATE, Attendance.EXCUSED)
    )
    expect(tap(phone, "Nguyễn Thị Hằng", "present").locator(".status")).to_have_text(present)
    hung_row = tap(phone, "Nguyễn Văn Hùng", "late")
    expect(hung_row.locator(".status")).to_have_text(late)
    expect(hung_row.locator(".roll-call__waiting")).to_be_visible()  # a draft when it is sent
    huong_row = tap(phone, "Nguyễn Thị Hương", "excused")
    expect(huong_row.locator(".status")).to_have_text(excused)
    expect(phone.locator("#roll-call-progress strong")).to_have_text("3/3")
    # A wrong tap undone: Hương is unmarked again, and "all the rest" marks her present.
    huong_row.locator(".roll-call__undo button").click()
    expect(huong_row.locator(".status")).to_have_count(0)
    expect(phone.locator("#roll-call-progress strong")).to_have_text("2/3")
    phone.click("form.roll-call__rest button[type=submit]")
    expect(huong_row.locator(".status")).to_have_text(present)
    expect(phone.locator("#roll-call-progress strong")).to_have_text("3/3")
    expect(phone.locator("form.roll-call__rest")).to_be_hidden()
    assert waiting(phone).startswith("6 ")
    # Opened again without a network: the marks are those kept on the phone.
    phone.reload()
    phone.wait_for_selector("html[data-offline=ready]", state="attached")
    assert progress(phone) == "3/3"
    assert phone.locator("li.roll-call__person .status").all_inner_texts() == [
        present,
        present,
        late,
    ]  # fmt: skip: Hằng, Hương, Hùng
    assert not RollCallEntry.objects.exists()

    # The first record: the person found by a name typed without diacritics.
    phone.click(".breadcrumbs a")
    phone.click("nav.big-actions a[href$='/records/new/']")
    phone.fill("#id_q", "nguyen thi hang")
    phone.press("#id_q", "Enter")
    expect(phone.locator("#id_staff")).to_have_value(str(hang.pk))
    expect(phone.locator("#id_staff option")).to_have_count(2)  # the empty choice and Hằng
    phone.select_option("#id_type", "no_badge")
    phone.fill("#id_description", "Không đeo thẻ khi tiếp dân.")
    phone.set_input_files("#id_photos", photo("the.png"))
    phone.click("#record-form button[type=submit]")
    expect(phone.locator(".offline-queue__count")).to_contain_text("7 ")

    # The second: the person found by the QR code of their e-card.
    phone.set_input_files(
        "#card-photo",
        {"name": "card.png", "mimeType": "image/png", "buffer": card_photo("0101.002.CC")},
    )
    expect(phone.locator("#id_staff")).to_have_value(str(hung.pk))
    assert "Nguyễn Văn Hùng" in phone.locator("#card-result").inner_text()
    phone.select_option("#id_type", "late_or_early_leave")
    phone.fill("#id_description", "Đến muộn 40 phút.")
    phone.set_input_files("#id_photos", photo("late.png"))
    phone.click("#record-form button[type=submit]")
    expect(phone.locator(".offline-queue__count")).to_contain_text("8 ")

    # A malformed QR, and a card of no one of the unit, say so.
    phone.set_input_files(
        "#card-photo",
        {"name": "card.png", "mimeType": "image/png", "buffer": card_photo("hello")},
    )
    expect(phone.locator("#card-result")).to_have_text(str(MALFORMED_CARD))
    phone.fill("#id_card", "0202.001.CC")  # Bình's, of another unit: not in the roster
    phone.click("#card-find")
    expect(phone.locator("#card-result")).not_to_have_text(str(MALFORMED_CARD))
    assert "Bình" not in phone.locator("#card-result").inner_text()

    # Closed and opened again, without a network: the queue is still there; nothing was sent.
    phone.reload()
    phone.wait_for_selector("#offline-queue:not([hidden])")
    assert waiting(phone).startswith("8 ")
    assert not ViolationRecord.objects.filter(visit=visit).exists()
    assert not ChecklistAnswer.objects.exists()
    assert not RollCallEntry.objects.exists()

    # Meanwhile Hằng moved to another unit; then the network returns.
    staff_transfer(staff=hang, unit=city.unit_b, on=timezone.localdate())
    reconnected = timezone.now()
    phone.context.set_offline(False)
    expect(phone.locator(".offline-queue__reason")).to_have_count(2)
    assert waiting(phone).startswith("2 ")
    assert ChecklistAnswer.objects.filter(visit=visit).count() == items
    # The roll call, in order: Hùng late (his draft opened), Hương excused then undone, then
    # present with all the rest; Hằng's mark refused, as she is no longer of the unit.
    marks = RollCallEntry.objects.filter(visit=visit).order_by("staff__full_name")
    assert [(m.staff, m.attendance, m.previous_attendance) for m in marks] == [
        (huong, Attendance.PRESENT, ""),
        (hung, Attendance.LATE, ""),
    ]
    roll_call_draft = marks.get(staff=hung).record
    assert roll_call_draft.evidence.count() == 0
    # Dated when Hùng was marked late, on the phone, not when the mark arrived.
    assert roll_call_draft.occurred_at == marks.get(staff=hung).noted_at < reconnected
    sent = ViolationRecord.objects.filter(visit=visit).exclude(pk=roll_call_draft.pk).get()
    assert (sent.staff, sent.evidence.count()) == (hung, 1)

    # The refused mark is discarded: what the portal said stays until then.
    mark_refused = phone.locator(
        ".offline-queue__items li", has=phone.locator("a[href*='#staff-']")
    )
    assert mark_refused.locator(".offline-queue__reason").inner_text().strip()
    phone.once("dialog", lambda dialog: dialog.accept())
    mark_refused.locator("button").click()
    expect(phone.locator(".offline-queue__reason")).to_have_count(1)

    # The refused record is fixed (Hương, not Hằng) and sent again.
    # The person is no longer a choice of the form: the portal's own words, kept on the phone.
    assert phone.locator(".offline-queue__reason").inner_text().strip()
    phone.click(".offline-queue__actions a[href*='#fix-']")
    expect(phone.locator("#id_description")).to_have_value("Không đeo thẻ khi tiếp dân.")
    phone.select_option("#id_staff", str(huong.pk))
    phone.click("#record-form button[type=submit]")
    phone.wait_for_selector("#offline-queue", state="hidden")

    records = ViolationRecord.objects.filter(visit=visit).exclude(pk=roll_call_draft.pk)
    assert [(r.staff, r.evidence.count()) for r in records.order_by("pk")] == [
        (hung, 1),
        (huong, 1),
    ]
    # Once each: the checklist, four taps of the roll call and two records.
    assert FormSubmission.objects.count() == 7
    phone.reload()
    phone.wait_for_selector("html[data-offline=ready]", state="attached")
    assert ViolationRecord.objects.filter(visit=visit).count() == 3
    assert RollCallEntry.objects.filter(visit=visit).count() == 2

    # Signing out empties the phone's store.
    open_menu(phone)
    phone.click(".user-bar button[type=submit]")
    phone.wait_for_url("**/accounts/login/**")
    assert phone.evaluate("caches.keys()") == []
    stored = phone.evaluate(
        """() => new Promise(resolve => {
             const opening = indexedDB.open("kycuong", 1);
             opening.onupgradeneeded = () => {};
             opening.onsuccess = () => {
               const db = opening.result;
               if (!db.objectStoreNames.contains("queue")) { db.close(); resolve(0); return; }
               const count = db.transaction("roster").objectStore("roster").count();
               count.onsuccess = () => { db.close(); resolve(count.result); };
             };
           })"""
    )
    assert stored == 0


def blocker(page):
    """A weak signal while the phone says it is online: requests to the addresses given fail
    on the way, before reaching the portal (Chromium's DevTools protocol, not a stub)."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("Network.enable")
    return lambda *patterns: devtools.send("Network.setBlockedURLs", {"urls": list(patterns)})


def test_it_keeps_what_a_failed_send_carried_while_the_phone_says_it_is_online(phone):
    city = build_city()
    hang, hung = city.people["Nguyễn Thị Hằng"], city.people["Nguyễn Văn Hùng"]
    visit = visit_at(city, city.unit_a)
    phone.set_default_timeout(15_000)
    log_in(phone, "thanhtra_test", "vi")
    phone.goto(f"/inspections/visits/{visit.pk}/")
    phone.wait_for_selector("html[data-offline=ready]", state="attached")
    block = blocker(phone)

    # A tap of the roll call sent in place, lost on the way: kept, and shown at once.
    phone.goto(f"/inspections/visits/{visit.pk}/roll-call/")
    phone.wait_for_selector("html[data-offline=ready]", state="attached")
    block("*/roll-call/*", "*/roll-call/")
    row = tap(phone, "Nguyễn Văn Hùng", "present")
    expect(phone.locator(".offline-queue__count")).to_contain_text("1 ")
    expect(row.locator(".status")).to_have_text(str(Attendance.PRESENT.label))
    assert progress(phone) == "1/3"
    assert phone.evaluate("navigator.onLine")
    assert not RollCallEntry.objects.exists()

    # The signal back, the next page sends it.
    block()
    phone.goto(f"/inspections/visits/{visit.pk}/records/new/")
    phone.wait_for_selector("html[data-offline=ready]", state="attached")
    expect(phone.locator("#offline-queue")).to_be_hidden()
    entry = RollCallEntry.objects.get()
    assert (entry.staff, entry.attendance) == (hung, Attendance.PRESENT)

    # A record lost on the way: the form is kept on the phone, not lost.
    block("*/records/new/")
    phone.select_option("#id_staff", str(hang.pk))
    phone.select_option("#id_type", "no_badge")
    phone.fill("#id_description", "Không đeo thẻ khi tiếp dân.")
    phone.set_input_files("#id_photos", photo("the.png"))
    phone.click("#record-form button[type=submit]")
    expect(phone.locator(".offline-queue__count")).to_contain_text("1 ")
    expect(phone.locator("#id_description")).to_have_value("")  # kept in the queue instead
    assert phone.evaluate("navigator.onLine")
    assert not ViolationRecord.objects.exists()

    # Sent when the signal is back: each once.
    block()
    phone.reload()
    phone.wait_for_selector("html[data-offline=ready]", state="attached")
    expect(phone.locator("#offline-queue")).to_be_hidden()
    assert RollCallEntry.objects.count() == 1
    record = ViolationRecord.objects.get()
    assert (record.staff, record.evidence.count()) == (hang, 1)
    assert FormSubmission.objects.count() == 2


def test_it_says_the_phone_is_full_and_keeps_the_form(phone, live_server):
    city = build_city()
    hang = city.people["Nguyễn Thị Hằng"]
    visit = visit_at(city, city.unit_a)
    # A phone all but full: the portal's origin may keep 256 KB, less than a photo (Chromium
    # reads the quota when the origin's storage is first opened: set before the first page.)
    devtools = phone.context.new_cdp_session(phone)
    devtools.send(
        "Storage.overrideQuotaForOrigin", {"origin": live_server.url, "quotaSize": 262_144}
    )
    phone.set_default_timeout(15_000)
    log_in(phone, "thanhtra_test", "vi")
    phone.goto(f"/inspections/visits/{visit.pk}/")
    phone.wait_for_selector("html[data-offline=ready]", state="attached")
    phone.click("nav.big-actions a[href$='/records/new/']")
    phone.wait_for_selector("html[data-offline=ready]", state="attached")
    phone.context.set_offline(True)
    phone.select_option("#id_staff", str(hang.pk))
    phone.select_option("#id_type", "no_badge")
    phone.fill("#id_description", "Không đeo thẻ khi tiếp dân.")
    phone.set_input_files("#id_photos", camera_photo())
    phone.click("#record-form button[type=submit]")

    expect(phone.locator("#offline-note")).to_have_text(FULL)
    expect(phone.locator("#offline-note")).to_have_attribute("role", "alert")
    # The form as it was typed, its photo still chosen; nothing half-written in the queue.
    expect(phone.locator("#id_staff")).to_have_value(str(hang.pk))
    expect(phone.locator("#id_description")).to_have_value("Không đeo thẻ khi tiếp dân.")
    assert phone.evaluate("document.getElementById('id_photos').files.length") == 1
    expect(phone.locator("#offline-queue")).to_be_hidden()
    assert phone.evaluate(QUEUE_SIZE) == 0
