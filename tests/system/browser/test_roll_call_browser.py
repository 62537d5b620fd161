"""On a 360 by 740 phone, the roll call answered in place (htmx), the page never reloaded: a
wrong tap that opened a draft is undone and the draft withdrawn; "all the rest present" marks
everyone left and the count and the list change where they stand."""

import pytest
from playwright.sync_api import expect

from inspections.models import RecordStatus, RollCallEntry, ViolationRecord
from tests.system.browser.journeys import build_city, log_in, t, visit_at

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_it_undoes_a_draft_and_marks_the_rest_without_reloading_the_page(phone):
    city = build_city()
    visit = visit_at(city, city.unit_a)
    hung = city.people["Nguyễn Văn Hùng"]
    phone.set_default_timeout(15_000)
    log_in(phone, "thanhtra_test", "vi")
    phone.goto(f"/inspections/visits/{visit.pk}/roll-call/")
    phone.wait_for_function("() => window.htmx !== undefined")
    phone.evaluate("() => { window.sameDocument = true; }")  # gone if the page reloads

    row = phone.locator(f"#staff-{hung.pk}")
    row.locator("button[value=absent]").click()
    expect(row.locator("a")).to_have_text(t("vi", "Open the record"))
    assert ViolationRecord.objects.get().status == RecordStatus.DRAFT

    row.locator(f"#undo-{hung.pk}").click()
    expect(row.locator("button[value=absent]")).to_be_visible()
    expect(row.locator(".status")).to_have_count(0)
    assert ViolationRecord.objects.get().status == RecordStatus.WITHDRAWN
    assert not RollCallEntry.objects.exists()

    row.locator("button[value=excused]").click()
    expect(phone.locator("#roll-call-progress strong")).to_have_text("1/3")
    phone.click(".roll-call__rest button")
    expect(phone.locator("#roll-call-progress strong")).to_have_text("3/3")
    expect(phone.locator(".roll-call__rest")).to_have_count(0)
    expect(phone.locator("li.roll-call__person .tap-button--chosen")).to_have_count(3)
    assert phone.evaluate("() => window.sameDocument") is True
    assert dict(RollCallEntry.objects.values_list("staff__full_name", "attendance")) == {
        "Nguyễn Thị Hằng": "present",
        "Nguyễn Văn Hùng": "excused",
        "Nguyễn Thị Hương": "present",
    }
