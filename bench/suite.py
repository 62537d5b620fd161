"""The benchmark suite's machinery (issue 7): generate a scale's data, measure, report.

Not a test and not run by `make test`: `make bench SCALE=…` runs it through bench/run.py on a
scratch PostgreSQL database, and tests/test_bench.py runs it at the tiny scale to check that
it still works. Every function here expects Django to be set up on PostgreSQL.

Each case is measured side by side with its baseline in the same run, on the same data, in
alternating order, several times; the figure is the median.
"""

import datetime
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from emulation import services
from emulation.models import (
    LOCAL_ZONE,
    Nomination,
    Period,
    Title,
    TitleKind,
    Verdict,
    VerdictReason,
    VerdictStatus,
)
from inspections.models import RecordStatus, ViolationRecord, ViolationType
from personnel.models import Role, Staff, Unit, User
from personnel.search import staff_search_text


@dataclass(frozen=True)
class Scale:
    name: str
    units: int
    staff: int
    repeats: int

    # National: 1,700,000 nominations, 1,000,000 records over ten years, 100,000 of them
    # confirmed in the period, for 2,000,000 staff; smaller scales keep the same proportions.
    @property
    def nominations(self) -> int:
        return self.staff * 17 // 20

    @property
    def violations(self) -> int:
        return self.staff // 2

    @property
    def confirmed_in_period(self) -> int:
        return self.staff // 20


SCALES = {
    "tiny": Scale("tiny", units=5, staff=50, repeats=1),
    "city": Scale("city", units=50, staff=3_000, repeats=7),
    "province": Scale("province", units=1_500, staff=50_000, repeats=5),
    "national": Scale("national", units=30_000, staff=2_000_000, repeats=3),
}

PERIOD_CODE = "BENCH-2025"
PERIOD_START = datetime.date(2025, 1, 1)
PERIOD_END = datetime.date(2025, 12, 31)
FIRST_YEAR = 2016  # ten years of records: 2016 to 2025
NAIVE_SAMPLE = 5_000
BASELINE_TABLE = "bench_baseline_verdict"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Quốc", "Thanh", "Ngọc", "Hữu", "Xuân", "Thu"]
GIVEN = ["Hùng", "Hưng", "Lan", "Mai", "Đức", "Tuấn", "Hương", "Dũng", "Hà", "Phương", "Sơn"]
CATEGORIES = ["can_bo", "cong_chuc", "vien_chuc", "nguoi_lao_dong"]


# --- Data ------------------------------------------------------------------------------------


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]


def _copy(table: str, columns: list[str], rows) -> None:
    """COPY rows into table through psycopg, then move its identity past the new ids."""
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        if "id" in columns:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"  # noqa: S608
            )


def _local(day: datetime.date, seconds: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=LOCAL_ZONE) + (
        datetime.timedelta(seconds=seconds)
    )


def generate(scale: Scale) -> Period:
    """Units, staff with one posting each, ten years of records, one period's nominations."""
    rng = random.Random(2025)
    now = timezone.now()
    unit_base, staff_base = _next_id("personnel_unit"), _next_id("personnel_staff")
    unit_ids = [unit_base + index for index in range(scale.units)]
    _copy(
        "personnel_unit",
        ["id", "code", "name", "kind"],
        ((unit_ids[i], f"BU{i:06d}", f"Đơn vị {i}", "ward") for i in range(scale.units)),
    )

    def unit_of(staff_index: int) -> int:
        return unit_ids[staff_index % scale.units]

    search_texts: dict[str, str] = {}

    def staff_rows():
        for index in range(scale.staff):
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            if name not in search_texts:
                search_texts[name] = staff_search_text(name)
            yield (
                staff_base + index,
                f"BS{index:07d}",
                name,
                CATEGORIES[index % 4],
                "",
                "",
                True,
                search_texts[name],
                now,
                now,
            )

    _copy(
        "personnel_staff",
        [
            "id",
            "code",
            "full_name",
            "category",
            "position",
            "badge_number",
            "is_active",
            "search_text",
            "created_at",
            "updated_at",
        ],
        staff_rows(),
    )
    _copy(
        "personnel_posting",
        ["staff_id", "unit_id"],
        ((staff_base + index, unit_of(index)) for index in range(scale.staff)),
    )

    # Records: first those in the period (confirmed, then submitted, dismissed, drafts), then
    # the other nine years (confirmed, dismissed, overturned). A person may have several.
    confirmed = scale.confirmed_in_period
    in_period = [
        (RecordStatus.CONFIRMED, confirmed),
        (RecordStatus.SUBMITTED, scale.staff // 200),
        (RecordStatus.DISMISSED, scale.staff // 100),
        (RecordStatus.DRAFT, scale.staff // 200),
    ]
    plan = [status for status, count in in_period for _ in range(count)]
    earlier = scale.violations - len(plan)
    plan += [
        rng.choices(
            [RecordStatus.CONFIRMED, RecordStatus.DISMISSED, RecordStatus.OVERTURNED], [7, 2, 1]
        )[0]
        for _ in range(earlier)
    ]
    types = ViolationType.values
    period_days = (PERIOD_END - PERIOD_START).days + 1
    earlier_days = (PERIOD_START - datetime.date(FIRST_YEAR, 1, 1)).days

    def record_rows():
        for index, status in enumerate(plan):
            staff_index = rng.randrange(scale.staff)
            if index < len(plan) - earlier:
                day = PERIOD_START + datetime.timedelta(days=rng.randrange(period_days))
            else:
                day = datetime.date(FIRST_YEAR, 1, 1) + datetime.timedelta(
                    days=rng.randrange(earlier_days)
                )
            occurred = _local(day, rng.randrange(7 * 3600, 17 * 3600))
            numbered = status != RecordStatus.DRAFT
            yield (
                f"{index + 1}/BB-KTCV" if numbered else None,
                staff_base + staff_index,
                unit_of(staff_index),
                occurred,
                types[index % len(types)],
                "",
                status,
                "inspection",
                now,
                "",
                "",
                "",
                day.year if numbered else None,
                index + 1 if numbered else None,
                occurred if numbered else None,
                occurred if status not in (RecordStatus.DRAFT, RecordStatus.SUBMITTED) else None,
                "",
            )

    _copy(
        "inspections_violationrecord",
        [
            "number",
            "staff_id",
            "unit_id",
            "occurred_at",
            "type",
            "description",
            "status",
            "source",
            "created_at",
            "explanation",
            "witnesses",
            "signature",
            "number_year",
            "number_sequence",
            "submitted_at",
            "reviewed_at",
            "review_reason",
        ],
        record_rows(),
    )

    period = Period.objects.create(
        code=PERIOD_CODE, name="Năm 2025", starts_on=PERIOD_START, ends_on=PERIOD_END
    )
    title, _created = Title.objects.get_or_create(
        code="lao_dong_tien_tien",
        defaults={"name": "Lao động tiên tiến", "kind": TitleKind.INDIVIDUAL},
    )
    # 17 people in 20 are nominated, for one title each.
    _copy(
        "emulation_nomination",
        ["period_id", "staff_id", "title_id", "unit_id", "created_at"],
        (
            (period.pk, staff_base + index, title.pk, unit_of(index), now)
            for index in range(scale.staff)
            if index % 20 < 17
        ),
    )
    with connection.cursor() as cursor:
        # VACUUM cannot run in a transaction (the smoke test runs in one); ANALYZE can.
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return period


def row_counts(period: Period) -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "staff": Staff.objects.count(),
        "violations": ViolationRecord.objects.count(),
        "nominations": Nomination.objects.filter(period=period).count(),
    }


# --- Measuring -------------------------------------------------------------------------------


def _seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def side_by_side(
    *,
    case: Callable[[], object],
    baseline: Callable[[], object],
    repeats: int,
    prepare_case: Callable[[], object] = lambda: None,
    prepare_baseline: Callable[[], object] = lambda: None,
) -> tuple[float, float]:
    """The median seconds of case and baseline, run alternately (preparations not timed)."""
    case_times, baseline_times = [], []
    for repeat in range(repeats):
        order = [(prepare_case, case, case_times), (prepare_baseline, baseline, baseline_times)]
        for prepare, action, times in order if repeat % 2 == 0 else reversed(order):
            prepare()
            times.append(_seconds(action))
    return statistics.median(case_times), statistics.median(baseline_times)


def _result(name, seconds, baseline, baseline_seconds, same_result) -> dict:
    return {
        "name": name,
        "seconds": round(seconds, 6),
        "baseline": baseline,
        "baseline_seconds": round(baseline_seconds, 6),
        "ratio": round(seconds / baseline_seconds, 3) if baseline_seconds else None,
        "same_result": bool(same_result),
    }


def _execute(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _clear_verdicts() -> None:
    # TRUNCATE refuses tables with pending deferred checks, as inside the smoke test's transaction.
    if connection.in_atomic_block:
        VerdictReason.objects.all().delete()
        Verdict.objects.all().delete()
    else:
        _execute("TRUNCATE emulation_verdictreason, emulation_verdict")


def _clear_baseline() -> None:
    verb = "DELETE FROM" if connection.in_atomic_block else "TRUNCATE"
    _execute(f"{verb} {BASELINE_TABLE}")


def _baseline_sql(period: Period) -> tuple[str, list]:
    """The rule as one hand-written statement: two outer joins against the distinct people
    with a confirmed or a submitted record in the window (an anti-join where they are NULL)."""
    start, end = period.window()
    sql = f"""
        INSERT INTO {BASELINE_TABLE} (nomination_id, status, evaluated_at)
        SELECT n.id,
               CASE WHEN confirmed.staff_id IS NOT NULL THEN 'excluded'
                    WHEN submitted.staff_id IS NOT NULL THEN 'pending'
                    ELSE 'eligible' END,
               now()
        FROM emulation_nomination n
        LEFT JOIN (SELECT DISTINCT staff_id FROM inspections_violationrecord
                   WHERE status = 'confirmed' AND occurred_at >= %s AND occurred_at < %s)
             AS confirmed ON confirmed.staff_id = n.staff_id
        LEFT JOIN (SELECT DISTINCT staff_id FROM inspections_violationrecord
                   WHERE status = 'submitted' AND occurred_at >= %s AND occurred_at < %s)
             AS submitted ON submitted.staff_id = n.staff_id
        WHERE n.period_id = %s
    """  # noqa: S608
    return sql, [start, end, start, end, period.pk]


def _same_verdicts(period: Period) -> bool:
    """The service's verdicts equal the hand-written statement's, and its reasons are exactly
    the deciding records (confirmed for excluded, submitted for pending, in the window)."""
    start, end = period.window()
    differences = _execute(
        f"""
        SELECT count(*) FROM (
          (SELECT v.nomination_id, v.status FROM emulation_verdict v
           JOIN emulation_nomination n ON n.id = v.nomination_id WHERE n.period_id = %s
           EXCEPT SELECT nomination_id, status FROM {BASELINE_TABLE})
          UNION ALL
          (SELECT nomination_id, status FROM {BASELINE_TABLE}
           EXCEPT SELECT v.nomination_id, v.status FROM emulation_verdict v
           JOIN emulation_nomination n ON n.id = v.nomination_id WHERE n.period_id = %s)
        ) AS differing
        """,  # noqa: S608
        [period.pk, period.pk],
    )[0][0]
    reasons_wrong = _execute(
        """
        SELECT count(*) FROM (
          (SELECT v.id, r.id FROM emulation_verdict v
           JOIN emulation_nomination n ON n.id = v.nomination_id
           JOIN inspections_violationrecord r ON r.staff_id = n.staff_id
           WHERE n.period_id = %s AND r.occurred_at >= %s AND r.occurred_at < %s
             AND ((v.status = 'excluded' AND r.status = 'confirmed')
               OR (v.status = 'pending' AND r.status = 'submitted'))
           EXCEPT SELECT verdict_id, record_id FROM emulation_verdictreason)
          UNION ALL
          (SELECT verdict_id, record_id FROM emulation_verdictreason
           EXCEPT SELECT v.id, r.id FROM emulation_verdict v
           JOIN emulation_nomination n ON n.id = v.nomination_id
           JOIN inspections_violationrecord r ON r.staff_id = n.staff_id
           WHERE n.period_id = %s AND r.occurred_at >= %s AND r.occurred_at < %s
             AND ((v.status = 'excluded' AND r.status = 'confirmed')
               OR (v.status = 'pending' AND r.status = 'submitted')))
        ) AS differing
        """,
        [period.pk, start, end, period.pk, start, end],
    )[0][0]
    return differences == 0 and reasons_wrong == 0


def case_eligibility_period(period: Period, repeats: int) -> dict:
    # The baseline stores the same verdict rows the same way: the columns, indexes and
    # deferred foreign key of emulation_verdict (not the reasons, about one row in twenty).
    _execute(f"CREATE TABLE {BASELINE_TABLE} (LIKE emulation_verdict INCLUDING ALL)")
    _execute(
        f"ALTER TABLE {BASELINE_TABLE} ADD FOREIGN KEY (nomination_id) "
        "REFERENCES emulation_nomination (id) DEFERRABLE INITIALLY DEFERRED"
    )
    sql, params = _baseline_sql(period)
    seconds, baseline_seconds = side_by_side(
        case=lambda: services.evaluate_period(period=period),
        prepare_case=_clear_verdicts,
        baseline=lambda: _execute(sql, params),
        prepare_baseline=_clear_baseline,
        repeats=repeats,
    )
    return _result(
        "eligibility_period", seconds, "hand_written_sql", baseline_seconds, _same_verdicts(period)
    )


def _confirm_new_record(staff: Staff, sequence: int) -> ViolationRecord:
    """A record of `staff` confirmed in the period, as the review workflow leaves it (not timed)."""
    occurred = _local(datetime.date(2025, 6, 2), 9 * 3600)
    return ViolationRecord.objects.create(
        number=f"B{sequence}/BB-KTCV",
        number_year=2025,
        number_sequence=sequence,
        staff=staff,
        unit_id=staff.postings.values_list("unit_id", flat=True).first(),
        occurred_at=occurred,
        type=ViolationType.LATE_OR_EARLY_LEAVE,
        status=RecordStatus.CONFIRMED,
        submitted_at=occurred,
        reviewed_at=occurred,
    )


def case_eligibility_person(period: Period, repeats: int) -> dict:
    """evaluate_person for a nominated, eligible person just given a confirmed record, against
    the same for a person with no nominations. Each repetition takes new people."""
    eligible = list(
        Staff.objects.filter(
            nominations__period=period, nominations__verdict__status=VerdictStatus.ELIGIBLE
        ).order_by("pk")[:repeats]
    )
    not_nominated = list(Staff.objects.filter(nominations__isnull=True).order_by("pk")[:repeats])
    sequence = 900_000_000
    people, others, new_records = iter(eligible), iter(not_nominated), []
    current: dict[str, Staff] = {}

    def prepare(kind, source):
        nonlocal sequence
        sequence += 1
        current[kind] = next(source)
        new_records.append((kind, current[kind], _confirm_new_record(current[kind], sequence)))

    seconds, baseline_seconds = side_by_side(
        case=lambda: services.evaluate_person(staff=current["case"]),
        prepare_case=lambda: prepare("case", people),
        baseline=lambda: services.evaluate_person(staff=current["baseline"]),
        prepare_baseline=lambda: prepare("baseline", others),
        repeats=repeats,
    )
    same = True
    for kind, staff, record in new_records:
        verdicts = Verdict.objects.filter(nomination__staff=staff)
        if kind == "case":
            same &= all(verdict.status == VerdictStatus.EXCLUDED for verdict in verdicts)
            same &= verdicts.exists()
            same &= VerdictReason.objects.filter(verdict__in=verdicts, record=record).count() == (
                len(verdicts)
            )
        else:
            same &= not verdicts.exists()
    return _result(
        "eligibility_person", seconds, "person_without_nominations", baseline_seconds, same
    )


def naive_evaluate(*, nominations: list[Nomination], period: Period) -> dict[int, str]:
    """The rule as a loop: two queries and a write per nomination (what the service avoids)."""
    start, end = period.window()
    now = timezone.now()
    verdicts = {}
    for nomination in nominations:
        records = ViolationRecord.objects.filter(
            staff_id=nomination.staff_id, occurred_at__gte=start, occurred_at__lt=end
        )
        if records.filter(status=RecordStatus.CONFIRMED).exists():
            status = VerdictStatus.EXCLUDED
        elif records.filter(status=RecordStatus.SUBMITTED).exists():
            status = VerdictStatus.PENDING
        else:
            status = VerdictStatus.ELIGIBLE
        Verdict.objects.update_or_create(
            nomination=nomination, defaults={"status": status, "evaluated_at": now}
        )
        verdicts[nomination.pk] = status
    return verdicts


def case_eligibility_naive(period: Period, repeats: int, period_result: dict) -> dict:
    """The loop over a sample of at most 5,000 nominations, extrapolated to the period, against
    the service's whole-period figure measured just before. Rolled back: it changes nothing."""
    total = Nomination.objects.filter(period=period).count()
    sample = list(Nomination.objects.filter(period=period).order_by("pk")[:NAIVE_SAMPLE])
    expected = dict(
        Verdict.objects.filter(nomination__in=[n.pk for n in sample]).values_list(
            "nomination_id", "status"
        )
    )
    results: list[dict[int, str]] = []

    def loop():
        with transaction.atomic():
            results.append(naive_evaluate(nominations=sample, period=period))
            transaction.set_rollback(True)

    times = [_seconds(loop) for _ in range(repeats)]
    seconds = statistics.median(times) * total / len(sample)
    same = all(result == expected for result in results)
    return _result(
        "eligibility_naive",
        seconds,
        "eligibility_period",
        period_result["seconds"],
        same,
    )


def case_council_list(period: Period, repeats: int) -> list[dict]:
    """The council's period page through the test client: first page and last page."""
    user = User.objects.create_user(username="bench-council", password=None)
    user.groups.add(Group.objects.get_or_create(name=Role.COUNCIL)[0])
    client = Client()
    client.force_login(user)
    ordered = list(
        Nomination.objects.filter(period=period)
        .order_by("staff__code", "title__code", "pk")
        .values_list("pk", "staff__code")
    )
    page_size = 50
    last_start = (len(ordered) - 1) // page_size * page_size
    url = reverse("emulation:period", kwargs={"code": period.code})
    first_url = url
    last_url = f"{url}?after={ordered[last_start - 1][0]}" if last_start else url
    first_codes = [code for _pk, code in ordered[:page_size]]
    last_codes = [code for _pk, code in ordered[last_start:]]
    responses = {}

    def get(kind, address):
        responses[kind] = client.get(address)

    # Production settings serve static files through the collected manifest, absent here.
    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        get("first", first_url)  # warm-up: templates, translations, connection
        get("last", last_url)
        first, last = side_by_side(
            case=lambda: get("first", first_url),
            baseline=lambda: get("last", last_url),
            repeats=repeats,
        )

    def shows(kind, codes):
        response = responses[kind]
        text = response.content.decode()
        return response.status_code == 200 and all(code in text for code in codes)

    same = shows("first", first_codes) and shows("last", last_codes)
    return [
        _result("council_list_first", first, "council_list_last", last, same),
        _result("council_list_last", last, "council_list_first", first, same),
    ]


def run_cases(*, scale: Scale, period: Period) -> dict:
    rows = row_counts(period)  # as generated, before the cases add their few records
    period_result = case_eligibility_period(period, scale.repeats)
    results = [
        period_result,
        case_eligibility_person(period, max(scale.repeats, 5)),
        case_eligibility_naive(period, min(scale.repeats, 3), period_result),
        *case_council_list(period, max(scale.repeats, 5)),
    ]
    if connection.in_atomic_block:  # the smoke test: run the deferred checks before DROP
        _execute("SET CONSTRAINTS ALL IMMEDIATE")
    _execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
    return {"scale": scale.name, "rows": rows, "results": results}


# --- Reporting -------------------------------------------------------------------------------


def _time(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def table(report: dict) -> str:
    rows = report["rows"]
    lines = [
        f"scale {report['scale']}: {rows['units']:,} units, {rows['staff']:,} staff, "
        f"{rows['violations']:,} violation records, {rows['nominations']:,} nominations",
        "",
        f"{'case':<20} {'median':>12}  {'baseline':<27} {'median':>12} {'ratio':>9}  same",
    ]
    for result in report["results"]:
        ratio = "" if result["ratio"] is None else f"{result['ratio']:,.2f}"
        lines.append(
            f"{result['name']:<20} {_time(result['seconds']):>12}  {result['baseline']:<27} "
            f"{_time(result['baseline_seconds']):>12} {ratio:>9}  "
            f"{'yes' if result['same_result'] else 'NO'}"
        )
    return "\n".join(lines)


def write_json(report: dict, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{report['scale']}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return path


def load_average() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} CPUs"
