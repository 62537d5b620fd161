"""The inspector's record form with the keyboard alone, and proof that the two page checks
of the journeys (strings of the other language, axe-core) do find what they look for."""

import pytest

from inspections.models import RecordStatus, ViolationRecord, ViolationType
from tests.system.browser.conftest import PHONE
from tests.system.browser.journeys import (
    axe_findings,
    build_city,
    heading,
    leftovers,
    log_in,
    require_axe,
    t,
    visit_at,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("media_root"),
]

FOCUSED = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    return {id: element.id, tag: element.tagName, type: element.type || '',
            text: (element.innerText || '').trim(),
            visible: style.outlineStyle !== 'none'
                     && parseFloat(style.outlineWidth) >= 2};
}"""


def tab_to(page, matches, *, limit=40) -> dict:
    """Press Tab until the focused element matches; every stop on the way shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["visible"], f"focus not visible on {focused}"
        if matches(focused):
            return focused
    raise AssertionError("never reached by Tab")


def test_it_writes_a_record_with_the_keyboard_alone_and_shows_where_the_focus_is(phone):
    phone.set_default_timeout(10_000)
    city = build_city()
    visit = visit_at(city, city.unit_a)
    log_in(phone, "thanhtra_test", "vi")
    phone.goto(f"/inspections/visits/{visit.pk}/records/new/")

    tab_to(phone, lambda focused: focused["id"] == "id_q")
    phone.keyboard.type("nguyen thi hang")
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    assert phone.locator("#id_staff option:checked").inner_text() == str(
        city.people["Nguyễn Thị Hằng"]
    )
    tab_to(phone, lambda focused: focused["id"] == "id_staff")
    tab_to(phone, lambda focused: focused["id"] == "id_type")
    for _ in range(len(ViolationType.choices)):
        if phone.locator("#id_type").input_value() == ViolationType.NO_BADGE:
            break
        phone.keyboard.press("ArrowDown")
    assert phone.locator("#id_type").input_value() == ViolationType.NO_BADGE
    tab_to(phone, lambda focused: focused["id"] == "id_description")
    phone.keyboard.type("Không đeo thẻ công chức trong giờ làm việc.")
    tab_to(phone, lambda focused: focused["id"] == "id_signature_0")  # "not asked yet"
    phone.keyboard.press("ArrowDown")  # "signed by the person"
    tab_to(
        phone,
        lambda focused: focused["tag"] == "BUTTON" and focused["text"] == t("vi", "Save as draft"),
    )
    with phone.expect_navigation():
        phone.keyboard.press("Enter")

    assert heading(phone) == t("vi", "Violation record")
    record = ViolationRecord.objects.get()
    assert (record.staff.full_name, record.type, record.status) == (
        "Nguyễn Thị Hằng",
        ViolationType.NO_BADGE,
        RecordStatus.DRAFT,
    )
    assert record.signature == "signed"
    assert record.description == "Không đeo thẻ công chức trong giờ làm việc."
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_it_notices_strings_left_in_the_other_language(desktop):
    desktop.goto("/phan-anh/")
    assert leftovers(desktop, "vi") == []
    desktop.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
             '<p>Send the report</p><p lang="en">Find the person</p>')"""
    )
    # The English button text is found; the one marked lang="en" is English on purpose.
    assert leftovers(desktop, "vi") == ["Send the report"]

    desktop.click("button[value=en]")
    assert leftovers(desktop, "en") == []
    desktop.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
             '<p>Người vi phạm: Bùi Văn An. Không có biên bản nào.</p>')"""
    )
    assert leftovers(desktop, "en") == [t("vi", "No record.").rstrip(".")]


def test_it_notices_an_accessibility_fault(desktop):
    require_axe()
    desktop.goto("/phan-anh/")
    assert axe_findings(desktop) == []
    desktop.evaluate(
        """() => { const label = document.querySelector('label[for=id_description]');
                   label.remove(); }"""
    )
    findings = axe_findings(desktop)
    assert len(findings) == 1
    assert findings[0].startswith("label (critical)")
