"""On a 360 by 740 phone, every main page of each persona: the header leaves the screen to
the work (120 px at most as the page opens, the menu behind one button), every tap target is
44 by 44 px or more, and nothing scrolls the page sideways. The inspector finds today's visit
on the home page."""

import pytest
from playwright.sync_api import expect

from tests.system.browser.conftest import PHONE
from tests.system.browser.journeys import (
    build_city,
    confirmed_record,
    log_in,
    phone_findings,
    submitted_record,
    this_years_period,
    visit_at,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HEADER_MOST = 120


def phone_page_failures(page, url: str) -> list[str]:
    page.goto(url)
    found = phone_findings(page)
    failures = []
    if found["header"] > HEADER_MOST:
        failures.append(f"{url}: header {found['header']} px")
    if found["width"] > PHONE["width"]:
        failures.append(f"{url}: {found['width']} px wide")
    if found["small"]:
        failures.append(f"{url}: tap targets under 44 px: {found['small']}")
    return failures


@pytest.mark.usefixtures("media_root")
def test_it_fits_every_main_page_of_each_persona_on_a_phone(phone):
    city = build_city()
    hang = city.people["Nguyễn Thị Hằng"]
    record = confirmed_record(city, hang)
    draft = submitted_record(city, city.people["Nguyễn Văn Hùng"])
    visit = visit_at(city, city.unit_a)
    period = this_years_period(city, [(hang, "lao_dong_tien_tien")])
    pages = {
        "thanhtra_test": [
            "/",
            "/inspections/rounds/",
            f"/inspections/rounds/{city.round.pk}/",
            f"/inspections/visits/{visit.pk}/",
            f"/inspections/visits/{visit.pk}/roll-call/",
            f"/inspections/records/{draft.pk}/",
        ],
        "noivu_test": [
            "/",
            "/inspections/review/",
            f"/inspections/records/{record.pk}/",
            "/phan-anh/xu-ly/",
            "/bao-cao/",
            "/emulation/periods/",
        ],
        "truongdonvi_test": [
            "/",
            "/personnel/my-unit/",
            "/inspections/my-unit/records/",
            "/emulation/nominations/",
        ],
        "hoidong_test": ["/", "/emulation/periods/", f"/emulation/periods/{period.code}/"],
    }
    phone.set_default_timeout(10_000)
    failures = []
    for username, urls in pages.items():
        phone.context.clear_cookies()
        log_in(phone, username, "vi")
        for url in urls:
            failures += phone_page_failures(phone, url)
    assert failures == [], "\n".join(failures)


def test_it_opens_the_menu_behind_one_button(phone):
    build_city()
    log_in(phone, "thanhtra_test", "vi")

    assert not phone.locator(".main-nav").is_visible()
    phone.click(".site-menu__toggle")
    phone.click(".main-nav a[href='/inspections/rounds/']")

    assert phone.url.endswith("/inspections/rounds/")


def test_it_takes_the_inspector_to_todays_visit_in_one_tap(phone):
    city = build_city()
    visit = visit_at(city, city.unit_a)
    log_in(phone, "thanhtra_test", "vi")

    phone.goto("/")
    phone.click(f"#today-heading ~ ul a[href='/inspections/visits/{visit.pk}/']")

    assert phone.locator("main h1").inner_text() == "Phường Đông Kinh"


def roll_call_of(page) -> str:
    return page.locator("#roll-call-progress").inner_text()


def test_it_takes_the_roll_call_in_place_with_undo(phone):
    city = build_city()
    visit = visit_at(city, city.unit_a)
    hang, hung = city.people["Nguyễn Thị Hằng"], city.people["Nguyễn Văn Hùng"]
    log_in(phone, "thanhtra_test", "vi")
    phone.goto(f"/inspections/visits/{visit.pk}/roll-call/")
    loads = []
    phone.on("load", lambda: loads.append(phone.url))
    assert "0/3" in roll_call_of(phone)

    phone.click(f"#mark-{hang.pk}-present")
    phone.locator(f"#staff-{hang.pk} .status--present").wait_for()
    assert "1/3" in roll_call_of(phone)
    phone.click(f"#mark-{hang.pk}-excused")
    phone.locator(f"#staff-{hang.pk} .status--excused").wait_for()
    assert "1/3" in roll_call_of(phone)

    # The wrong tap taken back: "present" again, then no mark at all.
    phone.click(f"#undo-{hang.pk}")
    phone.locator(f"#staff-{hang.pk} .status--present").wait_for()
    phone.click(f"#undo-{hang.pk}")
    phone.locator(f"#staff-{hang.pk} .status").wait_for(state="detached")
    assert "0/3" in roll_call_of(phone)
    assert loads == [], "a tap reloaded the page"

    phone.click(f"#mark-{hung.pk}-excused")
    phone.locator(f"#staff-{hung.pk} .status--excused").wait_for()
    # All the rest present in one tap, the count and the list changed in place.
    phone.click(".roll-call__rest button")
    phone.locator("#roll-call-progress strong", has_text="3/3").wait_for()
    # htmx settles the swapped buttons' classes a moment after the swap: expect waits for it.
    expect(phone.locator("li.roll-call__person .tap-button--chosen")).to_have_count(3)
    assert loads == [], "all the rest present reloaded the page"
    assert dict(visit.roll_call.values_list("staff__code", "attendance")) == {
        "DK-001": "present",
        "DK-002": "excused",
        "DK-003": "present",
    }


def test_it_takes_the_roll_call_without_javascript(browser, live_server):
    context = browser.new_context(
        viewport=PHONE, base_url=live_server.url, locale="vi-VN", java_script_enabled=False
    )
    page = context.new_page()
    try:
        city = build_city()
        visit = visit_at(city, city.unit_a)
        hang = city.people["Nguyễn Thị Hằng"]
        log_in(page, "thanhtra_test", "vi")
        page.goto(f"/inspections/visits/{visit.pk}/roll-call/")

        page.click(f"#mark-{hang.pk}-present")
        assert page.url.endswith(f"/roll-call/#staff-{hang.pk}")
        assert "1/3" in roll_call_of(page)
        page.click(f"#undo-{hang.pk}")
        assert "0/3" in roll_call_of(page)
        page.click(".roll-call__rest button")
        assert "3/3" in roll_call_of(page)
        assert visit.roll_call.filter(attendance="present").count() == 3
    finally:
        context.close()
