"""Journey 4, on a phone: a unit head sees their own unit's people, records and nominations,
and is refused another unit's page. Vietnamese and English."""

import pytest

from emulation.models import VerdictStatus
from inspections.models import RecordStatus
from tests.system.browser.conftest import PHONE
from tests.system.browser.journeys import (
    build_city,
    check_page,
    confirmed_record,
    go_by_menu,
    heading,
    label,
    log_in,
    menu_texts,
    submitted_record,
    t,
    this_years_period,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("media_root"),
]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_it_shows_a_unit_head_their_unit_and_refuses_another(phone, language):
    phone.set_default_timeout(10_000)
    city = build_city()
    hang, hung = city.people["Nguyễn Thị Hằng"], city.people["Nguyễn Văn Hùng"]
    binh = city.people["Lưu Văn Bình"]
    hangs_record = confirmed_record(city, hang)
    hungs_record = submitted_record(city, hung, type="late_or_early_leave", minutes_ago=80)
    binhs_record = confirmed_record(city, binh, type="alcohol_on_duty", minutes_ago=20)
    this_years_period(city, [(hang, "lao_dong_tien_tien"), (binh, "lao_dong_tien_tien")])

    log_in(phone, "truongdonvi_test", language)
    menu = menu_texts(phone)
    for entry in ("My unit", "My unit's minutes", "Nominations"):
        assert t(language, entry) in menu
    assert t(language, "Minutes to review") not in menu

    # The unit's people.
    go_by_menu(phone, "/personnel/my-unit/")
    assert heading(phone) == "Phường Đông Kinh"
    staff = phone.locator("main").inner_text()
    for name in ("Nguyễn Thị Hằng", "Nguyễn Văn Hùng", "Nguyễn Thị Hương"):
        assert name in staff
    assert "Lưu Văn Bình" not in staff
    check_page(phone, language, width=PHONE["width"])

    # The unit's records, once submitted; never another unit's.
    go_by_menu(phone, "/inspections/my-unit/records/")
    assert heading(phone) == t(language, "My unit's minutes")
    rows = phone.locator("main .record-row").all_inner_texts()
    assert len(rows) == 2
    assert sorted(row.split(" · ")[0] for row in rows) == sorted(
        [hangs_record.number, hungs_record.number]
    )
    row_of_hang = next(row for row in rows if "Nguyễn Thị Hằng" in row)
    assert label(language, RecordStatus.CONFIRMED) in row_of_hang
    assert binhs_record.number not in " ".join(rows)
    check_page(phone, language, width=PHONE["width"])

    # The unit's nominations, with the rule's verdict and the record it rests on.
    go_by_menu(phone, "/emulation/nominations/")
    assert heading(phone) == t(language, "Nominations")
    nominations = phone.locator("main table tbody tr").all_inner_texts()
    assert len(nominations) == 1
    assert "Nguyễn Thị Hằng" in nominations[0]
    assert label(language, VerdictStatus.EXCLUDED) in nominations[0]
    assert hangs_record.number in nominations[0]
    check_page(phone, language, width=PHONE["width"])

    # Another unit's page, and a record of another unit: refused.
    response = phone.goto("/personnel/units/X-HD/")
    assert response.status == 403
    assert heading(phone) == t(language, "Access denied")
    refusal = t(
        language,
        "Your account's role does not allow this page. If you need it for your work, "
        "ask the portal's administrator.",
    )
    assert refusal in phone.locator("main").inner_text()
    assert "Lưu Văn Bình" not in phone.locator("main").inner_text()
    check_page(phone, language, width=PHONE["width"])
    response = phone.goto(f"/inspections/records/{binhs_record.pk}/")
    assert response.status == 404
    assert "Lưu Văn Bình" not in phone.locator("body").inner_text()
