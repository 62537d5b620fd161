"""On a 360 by 740 phone: the browser gives the phone's position only once the inspector ticks
"Record where the photos are taken" and allows it; the record with its photo is written, and
the reviewer sees where the photo was taken, the unit head does not."""

import pytest
from playwright.sync_api import expect

from inspections import services
from inspections.models import Evidence, ViolationRecord
from tests.system.browser.conftest import PHONE
from tests.system.browser.journeys import build_city, log_in, photo_bytes, visit_at

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("media_root"),
]

DONG_KINH = {"latitude": 21.853708, "longitude": 106.761519, "accuracy": 12}
SHOWN = "21.853708, 106.761519"


@pytest.fixture
def located_phone(browser, live_server):
    """A phone whose browser may give its position, once the page asks."""
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="vi-VN")
    context.grant_permissions(["geolocation"])
    context.set_geolocation(DONG_KINH)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def refusing_phone(browser, live_server):
    """A phone whose owner did not allow the position."""
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="vi-VN")
    context.clear_permissions()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def fill_record(page, person):
    page.select_option("#id_staff", str(person.pk))
    page.select_option("#id_type", "no_badge")
    page.fill("#id_description", "Không đeo thẻ khi tiếp dân.")
    page.set_input_files(
        "#id_photos", {"name": "the.png", "mimeType": "image/png", "buffer": photo_bytes()}
    )


def test_it_stores_where_the_photo_was_taken_and_shows_it_to_the_reviewer_alone(
    located_phone, browser, live_server
):
    city = build_city()
    hang = city.people["Nguyễn Thị Hằng"]
    visit = visit_at(city, city.unit_a)
    page = located_phone
    log_in(page, "thanhtra_test", "vi")
    page.goto(f"/inspections/visits/{visit.pk}/records/new/")
    fill_record(page, hang)

    # Nothing is asked of the phone until the box is ticked.
    box = page.locator(".photo-position")
    expect(box).to_be_visible()
    assert page.input_value("#id_latitude") == ""
    page.check(".photo-position__ask")
    expect(page.locator(".photo-position__state")).to_contain_text(SHOWN)
    assert (page.input_value("#id_latitude"), page.input_value("#id_longitude")) == (
        "21.853708",
        "106.761519",
    )
    page.click("#record-form button[type=submit]")
    page.wait_for_url("**/inspections/records/*/")

    photo = Evidence.objects.get()
    assert (str(photo.latitude), str(photo.longitude), photo.location_source) == (
        "21.853708",
        "106.761519",
        "phone",
    )
    assert photo.location_accuracy == 12
    assert SHOWN in page.locator("main").inner_text()  # the author sees it
    record = services.record_submit(record=ViolationRecord.objects.get(), actor=city.inspector)

    seen = {}
    for username in ("noivu_test", "truongdonvi_test"):
        context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="vi-VN")
        other = context.new_page()
        log_in(other, username, "vi")
        other.goto(f"/inspections/records/{record.pk}/")
        expect(other.locator("main h1")).to_be_visible()
        text = other.locator("main").inner_text()
        seen[username] = (SHOWN in text, other.locator("img[alt]").count() >= 1)
        context.close()

    assert seen == {"noivu_test": (True, True), "truongdonvi_test": (False, True)}


def test_it_sends_the_photo_without_a_position_when_the_phone_refuses(refusing_phone):
    city = build_city()
    visit = visit_at(city, city.unit_a)
    page = refusing_phone
    log_in(page, "thanhtra_test", "vi")
    page.goto(f"/inspections/visits/{visit.pk}/records/new/")
    fill_record(page, city.people["Nguyễn Văn Hùng"])

    # A click, not check(): the page unticks the box again as soon as the phone refuses, which
    # check() may see before it returns, and calls a failed click.
    page.click(".photo-position__ask")

    state = page.locator(".photo-position__state")
    expect(state).not_to_be_empty()
    expect(page.locator(".photo-position__ask")).not_to_be_checked()
    assert page.input_value("#id_latitude") == ""
    page.click("#record-form button[type=submit]")
    page.wait_for_url("**/inspections/records/*/")
    photo = Evidence.objects.get()
    assert (photo.latitude, photo.location_source) == (None, "")
