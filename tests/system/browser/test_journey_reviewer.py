"""Journey 2, on a desktop: the Interior Affairs reviewer confirms a record from the queue
after looking at its photo, turns a citizen's report (sent from the public form) into a
record, downloads the minutes as PDF and reads the year's figures. Vietnamese and English."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from inspections.models import (
    CitizenReport,
    RecordSource,
    RecordStatus,
    ReportStatus,
    ViolationRecord,
    ViolationType,
)
from tests.system.browser.journeys import (
    build_city,
    check_page,
    heading,
    label,
    loaded_width,
    log_in,
    messages_of,
    prepared_file_link,
    submitted_record,
    t,
    tn,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("media_root"),
]


def summary_figures(page) -> dict[str, list[str]]:
    """The dashboard's first table, as {figure: [this year, last year]}."""
    page.wait_for_load_state("domcontentloaded")
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelector('table.report-table')
                 .querySelectorAll('tbody tr')]
                 .map(row => [row.querySelector('th').innerText.trim(),
                              [...row.querySelectorAll('td')].map(c => c.innerText.trim())]))"""
    )


@pytest.mark.parametrize("language", ["vi", "en"])
def test_it_takes_the_reviewer_through_the_queue_a_citizen_report_and_the_figures(
    desktop, language
):
    desktop.set_default_timeout(10_000)
    city = build_city()
    hang, binh = city.people["Nguyễn Thị Hằng"], city.people["Lưu Văn Bình"]
    record = submitted_record(city, hang, photo=True)
    assert record.number == "1/BB-KTCV"
    year = timezone.localdate().year

    # A citizen, without an account, reports Bình by his badge number.
    desktop.goto("/phan-anh/")
    if language == "en":
        desktop.click("button[value=en]")
    assert heading(desktop) == t(language, "Report a staff member's conduct")
    check_page(desktop, language)
    desktop.select_option("#id_unit", str(city.unit_b.pk))
    desktop.fill("#id_staff_hint", "0202.001.CC")
    an_hour_ago = timezone.localtime() - datetime.timedelta(hours=1)
    desktop.fill("#id_occurred_at", an_hour_ago.strftime("%Y-%m-%dT%H:%M"))
    desktop.fill("#id_description", "Cán bộ tư pháp uống rượu trong giờ làm việc buổi chiều.")
    desktop.click("text=" + t(language, "Send the report"))
    assert heading(desktop) == t(language, "Thank you, your report was sent")
    tracking_code = desktop.locator(".citizen-report__code").inner_text().strip()
    assert CitizenReport.objects.get().tracking_code == tracking_code
    check_page(desktop, language)

    # The queue: the submitted record, and a word about the report waiting.
    log_in(desktop, "noivu_test", language)
    desktop.click(".main-nav a[href='/inspections/review/']")
    assert heading(desktop) == t(language, "Minutes to review")
    assert desktop.locator("main .message--warning").inner_text().strip() == tn(
        language,
        "%(counter)s citizen report waits for verification.",
        "%(counter)s citizen reports wait for verification.",
        1,
    )
    rows = desktop.locator("main .record-row")
    assert rows.count() == 1
    assert rows.first.inner_text().startswith("1/BB-KTCV · Nguyễn Thị Hằng")
    assert label(language, RecordStatus.SUBMITTED) in rows.first.inner_text()
    check_page(desktop, language)

    # The evidence: the thumbnail shows, and opens the photo taken (the reviewer also has a
    # link to the original, with its metadata).
    rows.first.click()
    assert heading(desktop) == f"{t(language, 'Violation record')} 1/BB-KTCV"
    thumbnail = desktop.locator("ul.photo-grid img")
    assert loaded_width(thumbnail) > 0
    original = desktop.request.get(desktop.locator("ul.photo-grid li > a").get_attribute("href"))
    assert original.status == 200
    assert original.headers["content-type"] == "image/png"
    assert original.body().startswith(b"\x89PNG")
    check_page(desktop, language)

    desktop.fill("#id_note", "Đã đối chiếu ảnh và lời giải trình.")
    desktop.click(f"main button:text-is('{t(language, 'Confirm')}')")
    assert heading(desktop) == t(language, "Confirm this step")
    desktop.click("button.button--consequential")
    assert messages_of(desktop) == [t(language, "The record is confirmed.")]
    assert desktop.locator(".status").first.inner_text() == label(language, RecordStatus.CONFIRMED)
    reviewed = desktop.locator("dl.facts").inner_text()
    assert "Đã đối chiếu ảnh" in reviewed
    assert ViolationRecord.objects.get(pk=record.pk).status == RecordStatus.CONFIRMED

    # The minutes as PDF, with the record's number in its text.
    pdf_link = prepared_file_link(desktop, t(language, "Minutes (PDF)"))
    pdf = desktop.request.get(pdf_link.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "1/BB-KTCV" in text
    assert "DK-001" in text or "Nguyễn Thị Hằng" in text

    # The citizen report: verified, and turned into a draft record against Bình.
    desktop.click(".main-nav a[href='/phan-anh/xu-ly/']")
    assert heading(desktop) == t(language, "Citizen reports")
    report_rows = desktop.locator("main table tbody tr")
    assert report_rows.count() == 1
    assert tracking_code in report_rows.first.inner_text()
    assert label(language, ReportStatus.RECEIVED) in report_rows.first.inner_text()
    check_page(desktop, language)
    desktop.click(f"text={tracking_code}")
    assert tracking_code in heading(desktop)
    desktop.click("text=" + t(language, "Start verification"))
    assert messages_of(desktop) == [t(language, "Verification started.")]
    assert desktop.locator("#id_staff option:checked").inner_text() == str(binh)
    check_page(desktop, language)
    desktop.select_option("#id_violation_type", ViolationType.ALCOHOL_ON_DUTY.value)
    desktop.click("text=" + t(language, "Confirm and make a violation record"))
    assert messages_of(desktop) == [
        t(
            language,
            "The report was confirmed; a violation record was made and sent for review by "
            "another reviewer.",
        )
    ]
    assert desktop.locator(".citizen-report__status").first.inner_text() == label(
        language, ReportStatus.CONFIRMED
    )
    from_report = ViolationRecord.objects.get(source=RecordSource.CITIZEN_REPORT)
    assert (from_report.staff, from_report.status) == (binh, RecordStatus.SUBMITTED)
    assert from_report.type == ViolationType.ALCOHOL_ON_DUTY

    # The year's figures.
    desktop.click(".main-nav a[href='/bao-cao/']")
    assert heading(desktop) == t(language, "Discipline figures of %(year)s", year=year)
    figures = summary_figures(desktop)
    assert figures[t(language, "Inspection rounds started")][0] == "1"
    assert figures[t(language, "Units inspected")][0] == "1"
    assert figures[t(language, "Confirmed violation records")] == ["1", "0"]
    assert figures[t(language, "Citizen reports received")][0] == "1"
    assert figures[t(language, "Citizen reports confirmed")][0] == "1"
    check_page(desktop, language)
