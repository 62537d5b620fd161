"""The year's discipline figures: every figure, the local-date boundaries, the command's JSON
and text, the draft's sentences (zero cases, English) and a query count that does not grow."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from inspections.models import ViolationRecord, ViolationType, Visit
from portal.reports.figures import YearFigures, discipline_report, year_figures, year_window
from portal.reports.text import draft_text
from tests.factories import Clock, _grow, build_year, local

EXCHANGE_KEYS = [
    "year",
    "rounds",
    "units_inspected",
    "units_inspected_more_than_once",
    "max_inspections_per_unit",
    "violation_records",
    "violations_by_type",
    "nominees_excluded",
]


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, local(2019, 1, 1))


@pytest.fixture
def year(clock, inspector, reviewer, unit_a, unit_b):
    built = build_year(clock, inspector=inspector, reviewer=reviewer, unit_a=unit_a, unit_b=unit_b)
    clock.now = local(2020, 3, 30, 12, 0)
    return built


def test_it_takes_the_year_from_local_midnight_to_local_midnight():
    start, end = year_window(2019)

    assert start == datetime.datetime(2018, 12, 31, 17, 0, tzinfo=datetime.UTC)
    assert end == datetime.datetime(2019, 12, 31, 17, 0, tzinfo=datetime.UTC)


def test_it_counts_rounds_and_how_often_each_unit_was_inspected(year):
    figures = year_figures(year=2019)

    assert (figures.rounds, figures.surprise_rounds) == (3, 2)
    assert figures.units_inspected == 3
    assert figures.visits == 6
    assert figures.units_inspected_once == 1
    assert figures.units_inspected_twice == 1
    assert figures.units_inspected_three_or_more == 1
    assert figures.units_inspected_more_than_once == 2
    assert figures.max_inspections_per_unit == 3
    assert [(row.code, row.count) for row in figures.inspections_per_unit] == [
        ("P-A", 3),
        ("X-B", 2),
        ("PB-C", 1),
    ]


def test_it_counts_confirmed_records_by_their_local_date(year):
    figures = year_figures(year=2019)

    # 00:10 local on 1 January (given in UTC), 1 March, 11 June and 23:30 local on 31 December;
    # not 23:30 on 31 December 2018, not 00:30 on 1 January 2020, not the submitted one, the
    # dismissed one or the citizen report's draft.
    assert figures.violation_records == 4
    assert figures.violations_by_type == {
        "absent_without_reason": 0,
        "late_or_early_leave": 1,
        "no_badge": 2,
        "alcohol_on_duty": 1,
        "improper_conduct": 0,
        "task_not_completed": 0,
        "other": 0,
    }
    assert list(figures.violations_by_type) == ViolationType.values
    assert figures.records_by_month == [1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1]
    assert [(row.code, row.count) for row in figures.records_by_unit] == [("P-A", 2), ("X-B", 2)]
    assert [row.code for row in figures.units_without_violation] == ["PB-C"]
    assert figures.people_with_more_than_one_record == 2


def test_it_puts_the_boundary_records_in_their_local_years(year):
    assert year_figures(year=2018).violation_records == 1
    assert year_figures(year=2020).violation_records == 1
    assert year_figures(year=2020).violations_by_type["improper_conduct"] == 1
    assert year_figures(year=2018).records_by_month[11] == 1


def test_it_counts_citizen_reports_nominees_and_regulations(year):
    figures = year_figures(year=2019)

    assert (figures.citizen_reports_received, figures.citizen_reports_confirmed) == (2, 1)
    assert figures.has_nominations
    assert figures.nominees == 4
    # An (nominated for two titles) and Cường; Bình waits for the review of a record.
    assert (figures.nominees_excluded, figures.nominees_pending) == (2, 1)
    # A and C issued regulations in 2019, B in 2018, D never.
    assert (figures.regulation_units, figures.regulation_units_covered) == (4, 2)
    assert figures.regulation_percent == 50


def test_it_gives_the_previous_year_beside(year):
    report = discipline_report(year=2019)

    assert report.current.year == 2019
    previous = report.previous
    assert previous.year == 2018
    assert (previous.rounds, previous.units_inspected, previous.violation_records) == (1, 1, 1)
    assert [row.code for row in previous.units_without_violation] == ["X-B"]
    assert not previous.has_nominations
    assert previous.nominees_excluded == 0
    assert (previous.regulation_units_covered, previous.regulation_percent) == (1, 25)


def test_it_reads_without_writing(year):
    before = (ViolationRecord.objects.count(), Visit.objects.count())

    discipline_report(year=2019)

    assert (ViolationRecord.objects.count(), Visit.objects.count()) == before


def test_it_prints_the_exchange_json(year):
    out = StringIO()

    call_command("discipline_report", "--year", "2019", "--format", "json", stdout=out)

    report = json.loads(out.getvalue())
    assert list(report)[: len(EXCHANGE_KEYS)] == EXCHANGE_KEYS
    assert {key: report[key] for key in EXCHANGE_KEYS} == {
        "year": 2019,
        "rounds": 3,
        "units_inspected": 3,
        "units_inspected_more_than_once": 2,
        "max_inspections_per_unit": 3,
        "violation_records": 4,
        "violations_by_type": {
            "absent_without_reason": 0,
            "late_or_early_leave": 1,
            "no_badge": 2,
            "alcohol_on_duty": 1,
            "improper_conduct": 0,
            "task_not_completed": 0,
            "other": 0,
        },
        "nominees_excluded": 2,
    }
    assert report["nominees_pending"] == 1
    assert report["records_by_month"]["2019-12"] == 1
    assert report["regulations"] == {"units": 4, "covered": 2, "percent": 50}


def test_it_prints_json_by_default_and_zeros_for_an_empty_year(db):
    out = StringIO()

    call_command("discipline_report", "--year", "2031", stdout=out)

    report = json.loads(out.getvalue())
    assert report["year"] == 2031
    assert report["rounds"] == report["violation_records"] == report["nominees_excluded"] == 0
    assert report["violations_by_type"] == dict.fromkeys(ViolationType.values, 0)


def test_it_refuses_an_absurd_year(db):
    with pytest.raises(CommandError, match="2000"):
        call_command("discipline_report", "--year", "19", stdout=StringIO())


def test_it_prints_a_readable_vietnamese_text(year):
    out = StringIO()

    call_command("discipline_report", "--year", "2019", "--format", "text", stdout=out)

    text = out.getvalue()
    assert text.startswith("SỐ LIỆU KỶ LUẬT, KỶ CƯƠNG NĂM 2019\n")
    assert "SỐ LIỆU CỦA NĂM" in text
    assert "Đợt kiểm tra đã bắt đầu | 3 | 1" in text
    assert "Không đeo thẻ công chức, viên chức | 2 | 1" in text
    assert "Năm 2019, đoàn kiểm tra đã tiến hành 3 đợt kiểm tra (trong đó 2 đợt đột xuất)" in text


def test_it_drafts_the_report_in_the_articles_manner(year):
    with translation.override("vi"):
        text = draft_text(year_figures(year=2019))

    assert text.startswith(
        "Năm 2019, đoàn kiểm tra đã tiến hành 3 đợt kiểm tra (trong đó 2 đợt đột xuất) với "
        "3 cơ quan, đơn vị, phường, xã. Trong số đó, 2 cơ quan, đơn vị được kiểm tra từ 2 đến "
        "3 lần, phát hiện và lập biên bản 4 trường hợp."
    )
    assert "2 người vi phạm từ 2 lần trở lên." in text
    assert (
        "Đã tiếp nhận 2 phản ánh của tổ chức, cá nhân, trong đó 1 phản ánh được xác minh là đúng."
    ) in text
    assert (
        "Qua rà soát, đối chiếu danh sách đề nghị khen thưởng, 2 trường hợp vi phạm không được "
        "bình xét thi đua năm 2019."
    ) in text
    assert "1 trường hợp đang chờ xem xét biên bản vi phạm." in text
    assert (
        "50% cơ quan, đơn vị (2/4) đã ban hành, sửa đổi, bổ sung quy chế trong năm 2019."
    ) in text


def article_2019() -> YearFigures:
    figures = YearFigures(
        year=2019, rounds=6, surprise_rounds=6, units_inspected=49,
        units_inspected_more_than_once=26, max_inspections_per_unit=3, violation_records=20,
        has_nominations=True, nominees=120, nominees_excluded=3, regulation_units=49,
        regulation_units_covered=49, regulation_percent=100,
    )  # fmt: skip
    return figures


def test_it_writes_the_articles_sentences_from_the_articles_figures():
    with translation.override("vi"):
        text = draft_text(article_2019())

    assert text.startswith(
        "Năm 2019, đoàn kiểm tra đã kiểm tra đột xuất 6 đợt với 49 cơ quan, đơn vị, phường, xã. "
        "Trong số đó, 26 cơ quan, đơn vị được kiểm tra từ 2 đến 3 lần, phát hiện và lập biên "
        "bản 20 trường hợp."
    )
    assert "3 trường hợp vi phạm không được bình xét thi đua năm 2019" in text
    assert "100% cơ quan, đơn vị (49/49) đã ban hành, sửa đổi, bổ sung quy chế" in text
    assert "Không nhận được phản ánh nào của tổ chức, cá nhân." in text


def test_it_words_the_zero_cases():
    figures = YearFigures(
        year=2020, rounds=2, surprise_rounds=2, units_inspected=13, has_nominations=True,
        nominees=10,
    )  # fmt: skip
    with translation.override("vi"):
        text = draft_text(figures)
        nothing = draft_text(YearFigures(year=2031))

    assert text.startswith(
        "Năm 2020, đoàn kiểm tra đã kiểm tra đột xuất 2 đợt với 13 cơ quan, đơn vị, phường, xã. "
        "Mỗi cơ quan, đơn vị được kiểm tra 1 lần, không phát hiện trường hợp nào vi phạm."
    )
    assert "không có trường hợp nào phải loại khỏi danh sách bình xét thi đua năm 2020." in text
    assert "người vi phạm từ 2 lần" not in text
    assert nothing.startswith(
        "Năm 2031, đoàn kiểm tra không tiến hành đợt kiểm tra nào. "
        "Không phát hiện trường hợp nào vi phạm."
    )
    assert "bình xét thi đua" not in nothing


def test_it_words_units_inspected_exactly_twice():
    figures = YearFigures(
        year=2019, rounds=2, surprise_rounds=2, units_inspected=5,
        units_inspected_more_than_once=3, max_inspections_per_unit=2,
    )  # fmt: skip
    with translation.override("vi"):
        text = draft_text(figures)

    assert (
        "Trong số đó, 3 cơ quan, đơn vị được kiểm tra 2 lần, không phát hiện trường hợp nào vi "
        "phạm."
    ) in text


def test_it_drafts_the_report_in_english():
    with translation.override("en"):
        text = draft_text(article_2019())

    assert text.startswith(
        "In 2019, the inspection team carried out 6 rounds of surprise inspections covering 49 "
        "agencies, units, wards and communes. Of these, 26 agencies and units were inspected 2 "
        "to 3 times; 20 cases were found and written up in minutes."
    )
    assert (
        "After cross-checking the list of award nominations, 3 cases of violation were not "
        "considered for emulation titles in 2019."
    ) in text
    assert "100% of agencies and units (49 of 49) issued, amended or supplemented" in text


def _queries(year: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        discipline_report(year=year)
    return len(captured.captured_queries)


def test_it_reads_the_figures_in_a_fixed_number_of_queries(year):
    # For each of the two years: rounds, visits per unit, records by type (one aggregate), by
    # unit, by month, repeat offenders, clean units, citizen reports, nominees, regulations.
    assert _queries(2019) == 20

    _grow(25)

    assert _queries(2019) == 20
    assert year_figures(year=2019).violation_records == 4 + 50
    assert year_figures(year=2019).units_inspected == 3 + 25
