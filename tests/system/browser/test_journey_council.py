"""Journey 3, on a desktop: the award council reads this year's list, where the person of
journey 1 is excluded with her record cited; filters it, downloads it, approves it with one
nomination deferred, and then sees the cases that the end of that review and a late
confirmation raise. Vietnamese and English."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.utils import translation

from emulation.models import CaseKind, Period, PeriodStatus, RevocationCase, VerdictStatus
from inspections import services
from tests.system.browser.journeys import (
    build_city,
    check_page,
    confirmed_record,
    heading,
    label,
    log_in,
    messages_of,
    prepared_file_link,
    submitted_record,
    t,
    this_years_period,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("media_root"),
]

LIST = "main table:has(caption)"


def list_rows(page) -> list[list[str]]:
    page.wait_for_load_state("domcontentloaded")
    return page.evaluate(
        f"""() => [...document.querySelectorAll('{LIST} tbody tr')]
                  .map(row => [...row.cells].map(cell => cell.innerText.trim()))"""
    )


def counts(page) -> list[str]:
    page.wait_for_load_state("domcontentloaded")
    return [text.strip() for text in page.locator(".verdict-counts strong").all_inner_texts()]


def status_of_period(page) -> str:
    return page.locator("dl.facts dd").nth(2).inner_text().strip()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_it_takes_the_council_from_the_list_to_the_approval_and_a_revocation_case(
    desktop, language
):
    desktop.set_default_timeout(10_000)
    city = build_city()
    hang, hung = city.people["Nguyễn Thị Hằng"], city.people["Nguyễn Văn Hùng"]
    huong, binh = city.people["Nguyễn Thị Hương"], city.people["Lưu Văn Bình"]
    hangs_record = confirmed_record(city, hang)  # journey 1's record, confirmed (journey 2)
    hungs_record = submitted_record(city, hung, type="late_or_early_leave", minutes_ago=90)
    period = this_years_period(
        city,
        [
            (hang, "lao_dong_tien_tien"),
            (hung, "lao_dong_tien_tien"),
            (huong, "lao_dong_tien_tien"),
            (binh, "giay_khen"),
        ],
    )
    excluded, eligible = (
        label(language, VerdictStatus.EXCLUDED),
        label(language, VerdictStatus.ELIGIBLE),
    )

    log_in(desktop, "hoidong_test", language)
    desktop.click(".main-nav a[href='/emulation/periods/']")
    assert heading(desktop) == t(language, "Emulation periods")
    with translation.override(language):
        # "Năm 2026", "Year 2026" in English: named once, without its code beside it.
        period_name = str(period)
    period_row = desktop.locator("main tbody tr", has_text=period_name)
    assert label(language, PeriodStatus.COLLECTING) in period_row.inner_text()
    check_page(desktop, language)

    # The list: Hằng excluded, her record cited; Hùng pending; Hương and Bình eligible.
    period_row.locator("a").click()
    assert heading(desktop) == period_name
    assert counts(desktop) == ["2", "1", "1"]  # eligible, excluded, pending
    rows = {row[1]: row for row in list_rows(desktop)}
    assert sorted(rows) == sorted(["Nguyễn Thị Hằng", "Nguyễn Văn Hùng", "Nguyễn Thị Hương",
                                   "Lưu Văn Bình"])  # fmt: skip
    assert rows["Nguyễn Thị Hằng"][4] == excluded
    assert rows["Nguyễn Thị Hằng"][5].startswith(f"{hangs_record.number} · ")
    assert rows["Nguyễn Văn Hùng"][4] == label(language, VerdictStatus.PENDING)
    assert rows["Nguyễn Văn Hùng"][5].startswith(f"{hungs_record.number} · ")
    assert rows["Nguyễn Thị Hương"][4] == eligible
    assert rows["Nguyễn Thị Hương"][5] == "—"
    check_page(desktop, language)

    # Filters: by unit, by title, by verdict.
    desktop.select_option("#filter-unit", "X-HD")
    desktop.click("form.filters button")
    assert [row[1] for row in list_rows(desktop)] == ["Lưu Văn Bình"]
    assert counts(desktop) == ["1", "0", "0"]
    desktop.select_option("#filter-unit", "")
    desktop.select_option("#filter-title", "lao_dong_tien_tien")
    desktop.click("form.filters button")
    assert len(list_rows(desktop)) == 3
    desktop.select_option("#filter-title", "")
    desktop.select_option("#filter-status", VerdictStatus.EXCLUDED.value)
    desktop.click("form.filters button")
    assert [(row[1], row[4]) for row in list_rows(desktop)] == [("Nguyễn Thị Hằng", excluded)]
    check_page(desktop, language)

    # The list as a spreadsheet, Hằng's row citing her record.
    list_url = desktop.url
    link = prepared_file_link(desktop, t(language, "Download the list (XLSX)"))
    with desktop.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"danh-sach-{period.code}.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    cells = [
        " ".join(str(value) for value in row if value is not None)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]
    hang_rows = [row for row in cells if "Nguyễn Thị Hằng" in row]
    assert hang_rows
    assert any(hangs_record.number in row for row in hang_rows)
    desktop.goto(list_url)

    # To the council. Hùng's record still under review does not hold the list back: his
    # nomination is approved as deferred (Decree 98/2023/NĐ-CP art. 4).
    desktop.click("text=" + t(language, "Send the list to the council"))
    # Each step that cannot be undone says what it does and asks once more.
    assert heading(desktop) == t(language, "Confirm this step")
    check_page(desktop, language)
    desktop.click("button.button--consequential")
    assert messages_of(desktop) == [t(language, "The list went to the council for review.")]
    assert status_of_period(desktop) == label(language, PeriodStatus.COUNCIL_REVIEW)
    desktop.click("text=" + t(language, "Approve and freeze the list"))
    desktop.click("button.button--consequential")
    assert messages_of(desktop) == [t(language, "The list is approved and frozen.")]
    assert status_of_period(desktop).startswith(label(language, PeriodStatus.APPROVED))
    assert Period.objects.get(pk=period.pk).status == PeriodStatus.APPROVED
    assert counts(desktop) == ["2", "1", "1"]
    cases_heading = desktop.locator("main h2", has_text=t(language, "Cases for the council"))
    assert cases_heading.count() == 0

    # After the approval: Hùng's record dismissed ends his deferral, and a late confirmation
    # inside the period concerns Hương. Each is a case for the council; the list stays as
    # approved.
    services.record_dismiss(
        record=hungs_record, reviewer=city.reviewer, reason="Đi muộn có lý do chính đáng."
    )
    late = confirmed_record(city, huong, type="improper_conduct", minutes_ago=30)
    desktop.reload()
    assert counts(desktop) == ["2", "1", "1"]
    assert cases_heading.count() == 1
    cases = desktop.locator("main table:not(:has(caption)) tbody tr").all_inner_texts()
    assert len(cases) == 2
    deferred = next(case for case in cases if "Nguyễn Văn Hùng (DK-002)" in case)
    assert label(language, CaseKind.DEFERRED) in deferred
    assert hungs_record.number in deferred
    revocation = next(case for case in cases if "Nguyễn Thị Hương (DK-003)" in case)
    assert label(language, CaseKind.REVOCATION) in revocation
    assert late.number in revocation
    assert {case.kind for case in RevocationCase.objects.all()} == {"deferred", "revocation"}
    check_page(desktop, language)
