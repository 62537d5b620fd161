"""Journey 5, on a desktop: after the council approved this year's list with Hằng excluded by
a confirmed record, her unit head appeals, another reviewer overturns the record, and the
council finds a reinstatement case on the list's page and decides it, asked once more.
Vietnamese and English."""

import pytest

from emulation.models import CaseKind, RevocationCase, RevocationStatus
from emulation.services import period_approve, period_start_review
from personnel.models import Role
from tests.factories import make_user
from tests.system.browser.journeys import (
    build_city,
    check_page,
    confirmed_record,
    heading,
    label,
    log_in,
    messages_of,
    t,
    this_years_period,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("media_root"),
]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_it_takes_an_appeal_after_the_approval_to_a_reinstatement_the_council_decides(
    desktop, language
):
    desktop.set_default_timeout(10_000)
    city = build_city()
    hang, huong = city.people["Nguyễn Thị Hằng"], city.people["Nguyễn Thị Hương"]
    record = confirmed_record(city, hang)
    period = this_years_period(city, [(hang, "lao_dong_tien_tien"), (huong, "lao_dong_tien_tien")])
    period_start_review(period=period, user=city.council)
    period_approve(period=period, user=city.council)
    make_user("noivu2_test", role=Role.REVIEWER, first_name="Minh", last_name="Đỗ")
    record_url = f"/inspections/records/{record.pk}/"

    # The unit head appeals the record that excluded Hằng.
    log_in(desktop, "truongdonvi_test", language)
    desktop.goto(record_url)
    desktop.fill("#id_reason", "Bà Hằng có giấy nghỉ phép được duyệt hôm đó.")
    desktop.click("text=" + t(language, "Lodge the appeal"))
    assert messages_of(desktop) == [t(language, "The appeal is lodged.")]
    desktop.context.clear_cookies()

    # A reviewer who neither wrote nor confirmed the record overturns it.
    log_in(desktop, "noivu2_test", language)
    desktop.goto(record_url)
    desktop.check("#id_outcome input[value=overturned]")
    desktop.fill("#id_reason", "Giấy nghỉ phép hợp lệ.")
    desktop.click(f"main button:text-is('{t(language, 'Decide')}')")
    desktop.context.clear_cookies()

    # The approved list stays as it was; the council finds the case and reinstates.
    case = RevocationCase.objects.get()
    assert (case.kind, case.nomination.staff, case.record) == (CaseKind.REINSTATEMENT, hang, record)
    log_in(desktop, "hoidong_test", language)
    desktop.goto(f"/emulation/periods/{period.code}/")
    cases = desktop.locator("main h2", has_text=t(language, "Cases for the council"))
    assert cases.count() == 1
    row = desktop.locator("main table:not(:has(caption)) tbody tr").first.inner_text()
    assert label(language, CaseKind.REINSTATEMENT) in row
    assert "Nguyễn Thị Hằng" in row and record.number in row
    check_page(desktop, language)
    # No outcome is chosen in advance: the form cannot be sent as it is.
    outcome = desktop.locator(f"#case-{case.pk}-outcome")
    assert outcome.input_value() == ""
    assert outcome.get_attribute("required") is not None
    desktop.select_option(f"#case-{case.pk}-outcome", RevocationStatus.REINSTATED.value)
    desktop.click("text=" + t(language, "Record the decision"))
    assert heading(desktop) == t(language, "Confirm this step")
    desktop.click("button.button--consequential")
    assert messages_of(desktop) == [t(language, "The title is reinstated.")]
    case.refresh_from_db()
    assert (case.status, case.resolved_by) == (RevocationStatus.REINSTATED, city.council)
    assert cases.count() == 0
