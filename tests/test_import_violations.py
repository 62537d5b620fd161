"""import_violations: records upserted by number, all or nothing, audited, verdicts refreshed."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from core.imports import DUPLICATE_CODE
from core.tabular import MISSING_HEADER, NOT_A_DATETIME, UNKNOWN_CHOICE, Problem
from emulation.models import Nomination, VerdictStatus
from emulation.selectors import eligibility_report
from emulation.services import nomination_create
from inspections.audit import verify_chain
from inspections.imports import (
    NO_KNOWN_UNIT,
    RECORD_FINAL,
    UNKNOWN_STAFF_CODE,
    violations_import,
)
from inspections.models import AuditAction, AuditEntry, RecordStatus, ViolationRecord
from inspections.services import IN_FUTURE
from personnel.imports import UNKNOWN_UNIT
from personnel.models import Posting, Staff, StaffCategory
from tests.factories import local, make_period, make_record, utc, whole_period_reads

DAY = datetime.date
HEADER = "record_no,staff_code,occurred_at,type,status,source,agency_code,description"
RECORDS = [
    HEADER,
    "BB-01/2019,S001,2019-03-12T08:30:00+07:00,no_badge,confirmed,,,Không đeo thẻ",
    "BB-02/2019,S001,2019-08-01 14:00,late_or_early_leave,submitted,inspection,,Đến muộn",
    "BB-03/2019,S002,12/05/2019,other,dismissed,citizen_report,P-A,",
]


def write_csv(tmp_path, lines, *, name="violations.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def people(unit_a, unit_b):
    """S001: in X-B from 1 Jan 2019, moved to P-A on 1 Jul 2019. S002: in X-B, open."""
    first = Staff.objects.create(
        code="S001", full_name="Nguyễn Văn Hùng", category=StaffCategory.CONG_CHUC
    )
    Posting.objects.create(
        staff=first, unit=unit_b, starts_on=DAY(2019, 1, 1), ends_on=DAY(2019, 6, 30)
    )
    Posting.objects.create(staff=first, unit=unit_a, starts_on=DAY(2019, 7, 1))
    second = Staff.objects.create(
        code="S002", full_name="Nguyễn Văn Hùng", category=StaffCategory.VIEN_CHUC
    )
    Posting.objects.create(staff=second, unit=unit_b, starts_on=None)
    return first, second


def snapshot() -> list:
    return list(
        ViolationRecord.objects.order_by("number").values_list(
            "number",
            "number_year",
            "staff__code",
            "unit__code",
            "occurred_at",
            "type",
            "status",
            "source",
            "description",
        )
    ), AuditEntry.objects.count()


def test_it_creates_the_records_with_their_defaults(people, tmp_path):
    result = violations_import(path=write_csv(tmp_path, RECORDS))

    assert result.problems == []
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert result.written
    records, entries = snapshot()
    assert records == [
        (
            "BB-01/2019",
            None,
            "S001",
            "X-B",  # posted to X-B on 12 March
            utc(2019, 3, 12, 1, 30),
            "no_badge",
            "confirmed",
            "legacy",
            "Không đeo thẻ",
        ),
        (
            "BB-02/2019",
            None,
            "S001",
            "P-A",  # moved to P-A on 1 July
            local(2019, 8, 1, 14, 0),
            "late_or_early_leave",
            "submitted",
            "inspection",
            "Đến muộn",
        ),
        (
            "BB-03/2019",
            None,
            "S002",
            "P-A",
            local(2019, 5, 12),
            "other",
            "dismissed",
            "citizen_report",
            "",
        ),
    ]
    assert entries == 3


def test_it_audits_each_record_as_imported_by_the_system(people, tmp_path):
    violations_import(path=write_csv(tmp_path, RECORDS))

    entry = AuditEntry.objects.get(record__number="BB-01/2019")
    assert (entry.action, entry.actor, entry.from_status, entry.to_status) == (
        AuditAction.IMPORTED,
        None,
        "",
        RecordStatus.CONFIRMED,
    )
    assert entry.changes["type"] == [None, "no_badge"]
    assert entry.changes["occurred_at"] == [None, "2019-03-12T01:30:00+00:00"]
    assert verify_chain() == (3, None)


def test_it_changes_nothing_when_the_same_file_comes_again(people, tmp_path):
    path = write_csv(tmp_path, RECORDS)
    violations_import(path=path)
    before = snapshot()

    again = violations_import(path=path)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert again.problems == []
    assert snapshot() == before


def test_it_takes_the_local_day_of_a_time_given_in_utc(people, tmp_path):
    nomination_create(
        period_code=make_period("2019").code,
        staff_code="S002",
        title_code="lao_dong_tien_tien",
        unit=None,
        submitted_by=None,
    )
    nomination_create(
        period_code=make_period("2020", (2020, 1, 1), (2020, 12, 31)).code,
        staff_code="S002",
        title_code="lao_dong_tien_tien",
        unit=None,
        submitted_by=None,
    )
    lines = [HEADER, "BB-9,S002,2019-12-31T17:30:00Z,no_badge,confirmed,,,"]

    violations_import(path=write_csv(tmp_path, lines))

    record = ViolationRecord.objects.get()
    assert record.occurred_at == local(2020, 1, 1, 0, 30)
    staff = people[1]
    assert dict(staff.nominations.values_list("period__code", "verdict__status")) == {
        "2019": VerdictStatus.ELIGIBLE,
        "2020": VerdictStatus.EXCLUDED,
    }


def test_it_defaults_the_unit_by_posting_and_else_the_earliest_one(people, tmp_path):
    lines = [
        HEADER,
        # 30 June 23:30 local: still X-B; 30 June 17:30 UTC is 1 July 00:30 local: P-A.
        "A1,S001,2019-06-30T23:30:00,no_badge,submitted,,,",
        "A2,S001,2019-06-30T17:30:00Z,no_badge,submitted,,,",
        # Before any posting: the earliest known unit.
        "A3,S001,2018-05-01,no_badge,submitted,,,",
    ]

    violations_import(path=write_csv(tmp_path, lines))

    assert dict(ViolationRecord.objects.values_list("number", "unit__code")) == {
        "A1": "X-B",
        "A2": "P-A",
        "A3": "X-B",
    }


def test_it_never_changes_a_confirmed_record(people, tmp_path):
    violations_import(path=write_csv(tmp_path, RECORDS))
    before = snapshot()
    changed = [
        HEADER,
        "BB-01/2019,S001,2019-03-12T08:30:00+07:00,no_badge,dismissed,,,Không đeo thẻ",
        "BB-03/2019,S002,12/05/2019,other,confirmed,citizen_report,P-A,",
        "BB-04/2019,S002,2019-09-09,other,confirmed,,,",
    ]

    result = violations_import(path=write_csv(tmp_path, changed))

    assert result.problems == [
        Problem(2, "record_no", RECORD_FINAL, {"number": "BB-01/2019", "status": "confirmed"}),
        Problem(3, "record_no", RECORD_FINAL, {"number": "BB-03/2019", "status": "dismissed"}),
    ]
    assert "quy trình xem xét" in str(result.problems[0])
    assert snapshot() == before


def test_it_updates_a_submitted_record_and_refreshes_the_verdicts(people, tmp_path):
    period = make_period("2019")
    nomination = nomination_create(
        period_code=period.code,
        staff_code="S001",
        title_code="lao_dong_tien_tien",
        unit=None,
        submitted_by=None,
    )
    violations_import(path=write_csv(tmp_path, RECORDS[:1] + RECORDS[2:3]))
    nomination.verdict.refresh_from_db()
    assert nomination.verdict.status == VerdictStatus.PENDING  # BB-02 awaits review
    confirmed = [HEADER, RECORDS[2].replace("submitted", "confirmed")]

    result = violations_import(path=write_csv(tmp_path, confirmed))

    assert result.updated == 1
    assert [(change.old, change.new) for change in result.plans[0].changes] == [
        ("Đã gửi, chờ xem xét", "Đã xác nhận")
    ]
    record = ViolationRecord.objects.get(number="BB-02/2019")
    assert record.status == RecordStatus.CONFIRMED
    entry = record.audit_entries.order_by("id").last()
    assert (entry.action, entry.from_status, entry.to_status, entry.changes) == (
        AuditAction.IMPORTED,
        "submitted",
        "confirmed",
        {"status": ["submitted", "confirmed"]},
    )
    report = eligibility_report(period=period)
    assert [(row["staff_code"], row["status"]) for row in report["nominations"]] == [
        ("S001", "excluded")
    ]
    assert [reason["record_no"] for reason in report["nominations"][0]["reasons"]] == ["BB-02/2019"]
    assert verify_chain()[1] is None


def test_an_imported_confirmed_record_excludes_the_nomination(people, tmp_path):
    period = make_period("2019")
    nomination_create(
        period_code="2019",
        staff_code="S001",
        title_code="lao_dong_tien_tien",
        unit=None,
        submitted_by=None,
    )

    violations_import(path=write_csv(tmp_path, RECORDS[:2]))

    row = eligibility_report(period=period)["nominations"][0]
    assert (row["status"], row["reasons"]) == (
        "excluded",
        [
            {
                "kind": "violation",
                "record_no": "BB-01/2019",
                "type": "no_badge",
                "occurred_on": "2019-03-12",
                "status": "confirmed",
            }
        ],
    )


def nominate_both(period_code="2019"):
    for code in ("S001", "S002"):
        nomination_create(
            period_code=period_code,
            staff_code=code,
            title_code="lao_dong_tien_tien",
            unit=None,
            submitted_by=None,
        )


def verdicts() -> dict:
    # No verdict row reads as eligible.
    return {
        code: status or VerdictStatus.ELIGIBLE
        for code, status in Nomination.objects.values_list("staff__code", "verdict__status")
    }


def test_it_judges_again_only_the_people_its_records_name(people, tmp_path):
    """Judging the whole period again after each file took a minute at national scale."""
    make_period("2019")
    nominate_both()

    with CaptureQueriesContext(connection) as queries:
        violations_import(path=write_csv(tmp_path, RECORDS[:2]))

    assert whole_period_reads(queries.captured_queries) == []
    assert verdicts() == {"S001": VerdictStatus.EXCLUDED, "S002": VerdictStatus.ELIGIBLE}


def test_a_record_moved_to_another_person_is_judged_for_both(people, tmp_path):
    make_period("2019")
    nominate_both()
    violations_import(path=write_csv(tmp_path, [HEADER, RECORDS[2]]))
    assert verdicts()["S001"] == VerdictStatus.PENDING  # BB-02 awaits review

    moved = RECORDS[2].replace(",S001,", ",S002,")
    violations_import(path=write_csv(tmp_path, [HEADER, moved]))

    assert verdicts() == {"S001": VerdictStatus.ELIGIBLE, "S002": VerdictStatus.PENDING}


def test_a_portal_number_is_a_separate_series(people, tmp_path):
    portal = make_record(people[1], local(2019, 2, 1), number="7/BB-KTCV")
    ViolationRecord.objects.filter(pk=portal.pk).update(number_year=2019)

    result = violations_import(
        path=write_csv(tmp_path, [HEADER, "7/BB-KTCV,S002,2018-02-01,no_badge,submitted,,,"])
    )

    assert result.created == 1
    assert ViolationRecord.objects.filter(number="7/BB-KTCV").count() == 2


TYPES = "absent_without_reason, late_or_early_leave, no_badge, alcohol_on_duty, "
TYPES += "improper_conduct, task_not_completed, other"


@pytest.mark.parametrize(
    ("lines", "problems"),
    [
        pytest.param(
            [HEADER, "X1,S404,2019-03-12,no_badge,confirmed,,,"],
            [Problem(2, "staff_code", UNKNOWN_STAFF_CODE, {"code": "S404"})],
            id="unknown staff",
        ),
        pytest.param(
            [HEADER, "X1,S001,2019-03-12,no_badge,confirmed,,P-ZZ,"],
            [Problem(2, "agency_code", UNKNOWN_UNIT, {"code": "P-ZZ"})],
            id="unknown unit",
        ),
        pytest.param(
            [HEADER, "X1,S001,2019-03-12,drunk,confirmed,,,"],
            [Problem(2, "type", UNKNOWN_CHOICE, {"value": "drunk", "choices": TYPES})],
            id="unknown type",
        ),
        pytest.param(
            [HEADER, "X1,S001,2019-03-12,no_badge,draft,,,"],
            [
                Problem(
                    2,
                    "status",
                    UNKNOWN_CHOICE,
                    {"value": "draft", "choices": "submitted, confirmed, dismissed"},
                )
            ],
            id="a draft",
        ),
        pytest.param(
            [HEADER, "X1,S001,2019-03-12,no_badge,confirmed,phone,,"],
            [
                Problem(
                    2,
                    "source",
                    UNKNOWN_CHOICE,
                    {"value": "phone", "choices": "inspection, citizen_report, legacy"},
                )
            ],
            id="unknown source",
        ),
        pytest.param(
            [HEADER, "X1,S001,12 March 2019,no_badge,confirmed,,,"],
            [Problem(2, "occurred_at", NOT_A_DATETIME, {"value": "12 March 2019"})],
            id="not a time",
        ),
        pytest.param(
            [HEADER, "X1,S001,2099-01-01T08:00:00+07:00,no_badge,confirmed,,,"],
            [Problem(2, "occurred_at", IN_FUTURE)],
            id="in the future",
        ),
        pytest.param(
            [
                HEADER,
                "X1,S001,2019-03-12,no_badge,confirmed,,,",
                "X1,S002,2019-03-13,other,confirmed,,,",
            ],
            [Problem(3, "record_no", DUPLICATE_CODE, {"code": "X1", "row": 2})],
            id="a number twice",
        ),
        pytest.param(
            ["record_no,staff_code,type,status", "X1,S001,no_badge,confirmed"],
            [
                Problem(
                    1, None, MISSING_HEADER, {"key": "occurred_at", "header": "Thời điểm vi phạm"}
                )
            ],
            id="missing header",
        ),
        pytest.param(
            [HEADER, "X1,S003,2019-03-12,no_badge,confirmed,,,"],
            [Problem(2, "agency_code", NO_KNOWN_UNIT)],
            id="a person without any posting",
        ),
    ],
)
def test_it_refuses_a_bad_file_and_writes_nothing(people, tmp_path, lines, problems):
    Staff.objects.create(code="S003", full_name="Lê Văn An", category=StaffCategory.CAN_BO)
    violations_import(path=write_csv(tmp_path, RECORDS, name="first.csv"))
    before = snapshot()

    result = violations_import(path=write_csv(tmp_path, [*lines, RECORDS[1]]))

    assert result.problems == problems
    assert not result.written
    assert snapshot() == before


def test_it_reads_vietnamese_headers_and_date_cells_from_xlsx(people, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Số biên bản", "Mã cán bộ", "Thời điểm vi phạm", "Loại vi phạm", "Trạng thái"])
    sheet.append(["BB-5", "S002", datetime.datetime(2019, 12, 31, 23, 30), "no_badge", "confirmed"])
    workbook.save(tmp_path / "violations.xlsx")

    result = violations_import(path=tmp_path / "violations.xlsx")

    assert result.problems == []
    record = ViolationRecord.objects.get()
    assert (record.occurred_at, record.unit.code, record.source) == (
        local(2019, 12, 31, 23, 30),
        "X-B",
        "legacy",
    )


def test_it_imports_with_as_many_queries_for_1000_rows_as_for_10(people, tmp_path):
    make_period("2019")
    counts = []
    for size in (10, 1000):
        lines = [HEADER] + [
            f"N{size}-{number},S002,2019-04-{1 + number % 28:02},no_badge,confirmed,,,"
            for number in range(size)
        ]
        with CaptureQueriesContext(connection) as queries:
            result = violations_import(path=write_csv(tmp_path, lines))
        assert result.created == size
        counts.append(len(queries))

    # Nothing per row: only the bulk inserts split into batches (SQLite caps the parameters of
    # one statement), so 100 times the rows add a few statements, not a thousand. The period's
    # evaluation adds its dozen statements once.
    assert counts[0] < 32
    assert counts[1] - counts[0] < 10
    assert verify_chain() == (1010, None)


def test_the_command_prints_the_problems_and_fails(people, tmp_path):
    bad = write_csv(tmp_path, [HEADER, "X1,S404,2019-03-12,no_badge,confirmed,,P-ZZ,"])
    stderr = io.StringIO()

    with pytest.raises(CommandError, match=r"Không nhập dữ liệu nào: có 2 lỗi\."):
        call_command("import_violations", str(bad), stderr=stderr)

    assert stderr.getvalue().splitlines() == [
        "Dòng 2, cột “staff_code”: Không có mã cán bộ “S404”.",
        "Dòng 2, cột “agency_code”: Không có mã đơn vị “P-ZZ”.",
    ]
    assert ViolationRecord.objects.count() == 0


def test_the_command_prints_the_counts(people, tmp_path):
    stdout = io.StringIO()

    call_command("import_violations", str(write_csv(tmp_path, RECORDS)), stdout=stdout)

    assert stdout.getvalue() == "Đã nhập: thêm mới 3, cập nhật 0, giữ nguyên 0.\n"
