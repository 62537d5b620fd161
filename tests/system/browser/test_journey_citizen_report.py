"""Journey 6, on a desktop: a citizen reports Bình; a reviewer verifies the report and it becomes
a submitted record; Bình's unit head is told (on the home page and by mail, and so is Bình),
attaches his written explanation; another reviewer reads it and confirms the record; Bình's
nomination is excluded by it, and the citizen's tracking page says the record was confirmed.
Vietnamese and English."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from emulation.models import Verdict, VerdictStatus
from inspections.models import RecordStatus, ReportStatus, ViolationRecord, ViolationType
from personnel.models import Role
from tests.factories import make_user
from tests.system.browser.journeys import (
    build_city,
    check_page,
    heading,
    label,
    log_in,
    messages_of,
    t,
    this_years_period,
    tn,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("media_root"),
]


def mails_to(address: str) -> list[str]:
    return [message.subject for message in mail.outbox if address in message.to]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_it_takes_a_citizen_report_to_a_confirmed_record_and_the_persons_exclusion(
    desktop, language
):
    desktop.set_default_timeout(10_000)
    city = build_city()
    binh = city.people["Lưu Văn Bình"]
    binh.email = "binh@hoangdong.gov.vn"
    binh.save(update_fields=["email"])
    make_user(
        "truongxa_test", role=Role.UNIT_HEAD, unit=city.unit_b, email="chutich@hoangdong.gov.vn"
    )
    make_user("noivu2_test", role=Role.REVIEWER, first_name="Minh", last_name="Đỗ")
    period = this_years_period(city, [(binh, "lao_dong_tien_tien")])
    mail.outbox.clear()

    # A citizen, without an account, reports Bình by his badge number.
    desktop.goto("/phan-anh/")
    if language == "en":
        desktop.click("button[value=en]")
    desktop.select_option("#id_unit", str(city.unit_b.pk))
    desktop.fill("#id_staff_hint", "0202.001.CC")
    two_hours_ago = timezone.localtime() - datetime.timedelta(hours=2)
    desktop.fill("#id_occurred_at", two_hours_ago.strftime("%Y-%m-%dT%H:%M"))
    desktop.fill("#id_description", "Cán bộ tư pháp vắng mặt tại bộ phận một cửa cả buổi sáng.")
    desktop.click("text=" + t(language, "Send the report"))
    tracking_code = desktop.locator(".citizen-report__code").inner_text().strip()

    # The first reviewer verifies it: a submitted record that names the report as its source.
    log_in(desktop, "noivu_test", language)
    desktop.goto("/phan-anh/xu-ly/")
    desktop.click(f"text={tracking_code}")
    desktop.click("text=" + t(language, "Start verification"))
    desktop.select_option("#id_violation_type", ViolationType.ABSENT_WITHOUT_REASON.value)
    desktop.click("text=" + t(language, "Confirm and make a violation record"))
    record = ViolationRecord.objects.get()
    assert (record.staff, record.status) == (binh, RecordStatus.SUBMITTED)
    assert record.occurred_at == two_hours_ago.replace(second=0, microsecond=0)
    # Mail is written in the portal's language, whatever the sender's page.
    assert mails_to("chutich@hoangdong.gov.vn") == [
        f"Biên bản số {record.number}: Đã gửi, chờ xem xét"
    ]
    assert mails_to("binh@hoangdong.gov.vn") == [
        f"Biên bản số {record.number}: Đã gửi, chờ xem xét"
    ]
    # Whoever verified the report does not decide the record it became.
    desktop.goto(f"/inspections/records/{record.pk}/")
    assert desktop.locator(f"main button:text-is('{t(language, 'Confirm')}')").count() == 0
    desktop.context.clear_cookies()

    # The unit head is told on the home page, and attaches Bình's written explanation.
    log_in(desktop, "truongxa_test", language)
    news = desktop.locator(".unit-news")
    assert news.locator("h2").inner_text() == tn(
        language,
        "%(counter)s violation record about your unit's staff submitted or decided in the last "
        "%(days)s days",
        "%(counter)s violation records about your unit's staff submitted or decided in the last "
        "%(days)s days",
        1,
        days=30,
    )
    assert record.number in news.inner_text() and "Lưu Văn Bình" in news.inner_text()
    check_page(desktop, language)
    news.locator("a").first.click()
    assert heading(desktop) == f"{t(language, 'Violation record')} {record.number}"
    desktop.fill("#id_text", "Sáng hôm đó tôi được cử đi họp tại UBND huyện, có giấy mời kèm theo.")
    desktop.click(f"main button:text-is('{t(language, 'Attach the explanation')}')")
    assert messages_of(desktop) == [
        t(language, "The written explanation is attached; the reviewer sees it with the record.")
    ]
    check_page(desktop, language)
    desktop.context.clear_cookies()

    # Another reviewer reads the explanation, and confirms the record, asked once more.
    log_in(desktop, "noivu2_test", language)
    desktop.goto(f"/inspections/records/{record.pk}/")
    assert "được cử đi họp tại UBND huyện" in desktop.locator("ul.explanations").inner_text()
    desktop.fill("#id_note", "Giấy mời họp ghi buổi chiều, không phải buổi sáng.")
    desktop.click(f"main button:text-is('{t(language, 'Confirm')}')")
    assert heading(desktop) == t(language, "Confirm this step")
    desktop.click("button.button--consequential")
    assert messages_of(desktop) == [t(language, "The record is confirmed.")]
    decided = f"Biên bản số {record.number}: Đã xác nhận"
    assert mails_to("chutich@hoangdong.gov.vn")[-1] == decided
    assert mails_to("binh@hoangdong.gov.vn")[-1] == decided
    desktop.context.clear_cookies()

    # Bình's nomination is excluded by the record, on the council's list.
    verdict = Verdict.objects.get(nomination__staff=binh, nomination__period=period)
    assert verdict.status == VerdictStatus.EXCLUDED
    log_in(desktop, "hoidong_test", language)
    desktop.goto(f"/emulation/periods/{period.code}/")
    row = desktop.locator("main tr", has_text="Lưu Văn Bình").first.inner_text()
    assert label(language, VerdictStatus.EXCLUDED) in row
    assert record.number in row
    desktop.context.clear_cookies()

    # The citizen's tracking page says what happened.
    desktop.goto(f"/phan-anh/theo-doi/{tracking_code}/")
    if language == "en":
        desktop.click("button[value=en]")
    status = desktop.locator(".citizen-report__status").first.inner_text()
    assert status == label(language, ReportStatus.CONFIRMED)
    assert (
        t(
            language,
            "The report was verified, a violation record was made and the record has been "
            "confirmed.",
        )
        in desktop.locator("main").inner_text()
    )
