"""The benchmark suite's machinery: generate a scale's data, measure, report.

Not a test and not run by `make test`: `make bench SCALE=…` runs it through bench/run.py on a
scratch PostgreSQL database, and tests/system/test_bench.py runs it at the tiny scale to check that
it still works. Every function here expects Django to be set up on PostgreSQL.

Each case is measured side by side with its baseline in the same run, on the same data, in
alternating order, several times; the figure is the median.
"""

import datetime
import hashlib
import io
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bench.servers import start_gunicorn
from core import page_cache
from emulation import rule, services
from emulation.documents import council_list
from emulation.models import (
    LOCAL_ZONE,
    Nomination,
    Period,
    Policy,
    Rating,
    ReasonKind,
    Title,
    TitleKind,
    Verdict,
    VerdictReason,
    VerdictStatus,
    list_group_of,
)
from inspections import services as inspection_services
from inspections.minutes import render_minutes, stylesheet
from inspections.models import (
    DisciplineDecision,
    DisciplineForm,
    DisciplineStatus,
    RecordStatus,
    ViolationRecord,
    ViolationType,
    Visit,
)
from inspections.services import round_create, visit_start
from inspections.views import PEOPLE_SHOWN
from personnel.imports import STAFF_COLUMNS, staff_import
from personnel.models import Posting, Role, Staff, Unit, User
from personnel.search import staff_search_text
from personnel.selectors import postings_covering, staff_posted_to
from tests.excel_files import write_excel_style
from tests.system.browser.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.system.browser.conftest import PHONE as PHONE_VIEWPORT

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Scale:
    name: str
    units: int
    staff: int
    repeats: int
    import_rows: int = 100_000
    http_clients: int = 50
    large_unit: int = 15_000

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

    @property
    def decision_plan(self) -> list[tuple[str, str]]:
        """Discipline decisions (status, when): one person in 250 decided with an effect
        overlapping the period, as many decided before or after it, one in 500 under review,
        one in 1,000 annulled (at least two, one, one and one)."""
        counts = [
            ((DisciplineStatus.DECIDED, "in"), max(self.staff // 250, 2)),
            ((DisciplineStatus.DECIDED, "before"), max(self.staff // 500, 1)),
            ((DisciplineStatus.DECIDED, "after"), max(self.staff // 500, 1)),
            ((DisciplineStatus.UNDER_REVIEW, "open"), max(self.staff // 500, 1)),
            ((DisciplineStatus.ANNULLED, "in"), max(self.staff // 1000, 1)),
        ]
        return [kind for kind, count in counts for _ in range(count)]


SCALES = {
    "tiny": Scale(
        "tiny", units=5, staff=50, repeats=1, import_rows=100, http_clients=4, large_unit=250
    ),
    "city": Scale("city", units=50, staff=3_000, repeats=7),
    "province": Scale("province", units=1_500, staff=50_000, repeats=5),
    "national": Scale("national", units=30_000, staff=2_000_000, repeats=3),
}

PERIOD_CODE = "BENCH-2025"
BENCH_TITLES = [
    (rule.LAO_DONG_TIEN_TIEN, "Lao động tiên tiến", TitleKind.INDIVIDUAL),
    (rule.CHIEN_SI_THI_DUA_CO_SO, "Chiến sĩ thi đua cơ sở", TitleKind.INDIVIDUAL),
    (rule.TAP_THE_LAO_DONG_TIEN_TIEN, "Tập thể lao động tiên tiến", TitleKind.COLLECTIVE),
    (rule.TAP_THE_LAO_DONG_XUAT_SAC, "Tập thể lao động xuất sắc", TitleKind.COLLECTIVE),
]
PERIOD_START = datetime.date(2025, 1, 1)
PERIOD_END = datetime.date(2025, 12, 31)
FIRST_YEAR = 2016  # ten years of records: 2016 to 2025
NAIVE_SAMPLE = 5_000
BASELINE_TABLE = "bench_baseline_verdict"
BASELINE_REASONS = "bench_baseline_reason"
BASELINE_COUNTS = "bench_baseline_tally"

# Nominations by staff index (modulo 20) and by unit index (modulo 20, and one unit in 5).
LDTT_OF_20 = 17  # 0 to 16: Lao động tiên tiến
CSTDCS_OF_20 = (0, 7)  # Chiến sĩ thi đua cơ sở, with Lao động tiên tiến
CSTDCS_ALONE_OF_40 = 18  # Chiến sĩ thi đua cơ sở without it (staff index modulo 40)
TTLDXS_OF_20 = (0, 3)  # Tập thể lao động xuất sắc (0 also Tập thể lao động tiên tiến)
LDTT_RATINGS = [Rating.TOT, Rating.XUAT_SAC, Rating.HOAN_THANH, Rating.KHONG_HOAN_THANH, ""]
LDTT_RATING_WEIGHTS = [55, 25, 8, 2, 10]
CSTDCS_RATINGS = [Rating.XUAT_SAC, Rating.TOT, Rating.HOAN_THANH, ""]
CSTDCS_RATING_WEIGHTS = [40, 40, 5, 15]
UNKNOWN_HIRE, RECENT_HIRE = 0.05, 0.04  # no hired_on; hired after the 6 months' cutoff
MOVED, GONE = 25, 75  # staff index modulo 50 (moved on 1 July) and modulo 100 (gone)

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Quốc", "Thanh", "Ngọc", "Hữu", "Xuân", "Thu"]
GIVEN = ["Hùng", "Hưng", "Lan", "Mai", "Đức", "Tuấn", "Hương", "Dũng", "Hà", "Phương", "Sơn"]
CATEGORIES = ["can_bo", "cong_chuc", "vien_chuc", "nguoi_lao_dong"]


# --- Data ------------------------------------------------------------------------------------


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]


# A posting with its copy of the person's name and code, as the staff import writes them: the
# database's trigger checks the copies and has nothing to write again.
POSTING_COLUMNS = ["staff_id", "unit_id", "starts_on", "ends_on", "staff_full_name", "staff_code"]


def _copy(table: str, columns: list[str], rows) -> None:
    """COPY rows into table through psycopg, then move its identity past the new ids. What
    the pages kept in the shared cache is read afresh: no writer of the portal wrote these."""
    page_cache.changed(page_cache.EVERYTHING)
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
    """Units; staff (recruitment dates, some transferred or gone before the period's last day);
    ten years of records; discipline decisions; one period's nominations, individual (ratings,
    initiatives) and collective."""
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
    oldest_hire = datetime.date(1990, 1, 1)
    hire_days = (datetime.date(2024, 1, 1) - oldest_hire).days
    cutoff = rule.tenure_cutoff(ends_on=PERIOD_END, months=6)

    def hired_on(index: int) -> datetime.date | None:
        """Mostly long before the period; some too recent for Lao động tiên tiến, some
        unknown, and the two days either side of the cutoff."""
        if index in (1, 2):
            return cutoff + datetime.timedelta(days=index - 1)
        draw = rng.random()
        if draw < UNKNOWN_HIRE:
            return None
        if draw < UNKNOWN_HIRE + RECENT_HIRE:
            return cutoff + datetime.timedelta(days=rng.randrange(1, 185))
        return oldest_hire + datetime.timedelta(days=rng.randrange(hire_days))

    names: list[str] = []

    def staff_rows():
        for index in range(scale.staff):
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            names.append(name)
            if name not in search_texts:
                search_texts[name] = staff_search_text(name)
            yield (
                staff_base + index,
                f"BS{index:07d}",
                name,
                CATEGORIES[index % 4],
                "",
                "",
                hired_on(index),
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
            "hired_on",
            "is_active",
            "search_text",
            "created_at",
            "updated_at",
        ],
        staff_rows(),
    )

    def posting_rows():
        """One posting each, open at both ends, but for one person in 50, moved from the
        next unit on 1 July, and one in 100, gone on 31 October (no unit on the last day)."""
        for index in range(scale.staff):
            staff_id, unit_id = staff_base + index, unit_of(index)
            person = (names[index], f"BS{index:07d}")
            if index % 50 == MOVED:
                yield (staff_id, unit_of(index + 1), None, datetime.date(2025, 6, 30), *person)
                yield (staff_id, unit_id, datetime.date(2025, 7, 1), None, *person)
            elif index % 100 == GONE:
                yield (staff_id, unit_id, None, datetime.date(2025, 10, 31), *person)
            else:
                yield (staff_id, unit_id, None, None, *person)

    _copy("personnel_posting", POSTING_COLUMNS, posting_rows())

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

    def decision_rows():
        """Decided with an effect overlapping the period (the first one from 1 January
        exactly), decided before or after it, procedures still open, annulled; every form in
        turn, so that some bar a collective title (cảnh cáo and heavier) and some do not."""
        forms = DisciplineForm.values
        for index, (status, when) in enumerate(scale.decision_plan):
            decided_on = effective_until = None
            if when == "in":
                decided_on = datetime.date(2024, 7, 1) + datetime.timedelta(
                    days=0 if index == 0 else rng.randrange(549)
                )
                effective_until = decided_on + datetime.timedelta(
                    days=184 if index == 0 else rng.randrange(184, 366)
                )
            elif when == "before":
                decided_on = datetime.date(2022, 1, 1) + datetime.timedelta(rng.randrange(700))
                effective_until = decided_on + datetime.timedelta(rng.randrange(30, 365))
            elif when == "after":
                decided_on = datetime.date(2026, 1, 1) + datetime.timedelta(rng.randrange(180))
                effective_until = decided_on + datetime.timedelta(365)
            yield (
                f"{index + 1}/QĐ-KL",
                staff_base + rng.randrange(scale.staff),
                forms[(index + 1) % len(forms)],
                status,
                decided_on,
                effective_until,
                "",
                now,
                now,
            )

    _copy(
        "inspections_disciplinedecision",
        [
            "number",
            "staff_id",
            "form",
            "status",
            "decided_on",
            "effective_until",
            "signer",
            "created_at",
            "updated_at",
        ],
        decision_rows(),
    )

    period = Period.objects.create(
        code=PERIOD_CODE, name="Năm 2025", starts_on=PERIOD_START, ends_on=PERIOD_END
    )
    # A migration seeds the titles, but a test database flushed by an earlier test has lost them.
    titles = {
        code: Title.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})[0].pk
        for code, name, kind in BENCH_TITLES
    }

    def nomination_rows():
        """17 people in 20 for Lao động tiên tiến; 5 in 40 for Chiến sĩ thi đua cơ sở (one
        of them without Lao động tiên tiến); then one unit in 5 for Tập thể lao động tiên
        tiến and 2 in 20 for Tập thể lao động xuất sắc."""
        for index in range(scale.staff):
            staff_id, unit_id, code = staff_base + index, unit_of(index), f"BS{index:07d}"
            if index % 20 < LDTT_OF_20:
                rating = rng.choices(LDTT_RATINGS, LDTT_RATING_WEIGHTS)[0]
                yield (
                    titles[rule.LAO_DONG_TIEN_TIEN],
                    staff_id,
                    unit_id,
                    rating,
                    "",
                    code,
                    rule.LAO_DONG_TIEN_TIEN,
                )
            if index % 20 in CSTDCS_OF_20 or index % 40 == CSTDCS_ALONE_OF_40:
                rating = rng.choices(CSTDCS_RATINGS, CSTDCS_RATING_WEIGHTS)[0]
                initiative = f"Sáng kiến {index}: số hóa sổ theo dõi" if rng.random() < 0.5 else ""
                title = rule.CHIEN_SI_THI_DUA_CO_SO
                yield (titles[title], staff_id, unit_id, rating, initiative, code, title)
        for index in range(scale.units):
            unit_id, code = unit_ids[index], f"BU{index:06d}"
            if index % 5 == 0:
                title = rule.TAP_THE_LAO_DONG_TIEN_TIEN
                yield (titles[title], None, unit_id, "", "", code, title)
            if index % 20 in TTLDXS_OF_20:
                title = rule.TAP_THE_LAO_DONG_XUAT_SAC
                yield (titles[title], None, unit_id, "", "", code, title)

    _copy(
        "emulation_nomination",
        [
            "period_id",
            "title_id",
            "staff_id",
            "unit_id",
            "rating",
            "initiative",
            "list_code",
            "list_title",
            "created_at",
        ],
        ((period.pk, *row, now) for row in nomination_rows()),
    )
    with connection.cursor() as cursor:
        # VACUUM cannot run in a transaction (the smoke test runs in one); ANALYZE can.
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return period


def row_counts(period: Period) -> dict[str, int]:
    nominations = Nomination.objects.filter(period=period)
    return {
        "units": Unit.objects.count(),
        "staff": Staff.objects.count(),
        "violations": ViolationRecord.objects.count(),
        "decisions": DisciplineDecision.objects.count(),
        "nominations": nominations.count(),
        "collective_nominations": nominations.filter(staff__isnull=True).count(),
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


def _create_baseline_tables() -> None:
    """Tables shaped like the service's verdicts, reasons and counts: the same columns, indexes
    and deferred foreign keys. Made once a run, by the first case that needs them."""
    if _execute("SELECT to_regclass(%s)", [BASELINE_TABLE])[0][0] is not None:
        return
    for table, like in (
        (BASELINE_TABLE, "emulation_verdict"),
        (BASELINE_REASONS, "emulation_verdictreason"),
        (BASELINE_COUNTS, "emulation_verdicttally"),
    ):
        _execute(f"CREATE TABLE {table} (LIKE {like} INCLUDING ALL)")
    for table, column, target in (
        (BASELINE_TABLE, "nomination_id", "emulation_nomination"),
        (BASELINE_REASONS, "verdict_id", BASELINE_TABLE),
        (BASELINE_REASONS, "record_id", "inspections_violationrecord"),
        (BASELINE_REASONS, "decision_id", "inspections_disciplinedecision"),
        (BASELINE_COUNTS, "period_id", "emulation_period"),
        (BASELINE_COUNTS, "unit_id", "personnel_unit"),
        (BASELINE_COUNTS, "title_id", "emulation_title"),
    ):
        _execute(
            f"ALTER TABLE {table} ADD FOREIGN KEY ({column}) REFERENCES {target} (id) "
            "DEFERRABLE INITIALLY DEFERRED"
        )


def _clear_baseline() -> None:
    if connection.in_atomic_block:
        for table in (BASELINE_REASONS, BASELINE_TABLE, BASELINE_COUNTS):
            _execute(f"DELETE FROM {table}")  # noqa: S608
    else:
        _execute(f"TRUNCATE {BASELINE_REASONS}, {BASELINE_TABLE}, {BASELINE_COUNTS}")


# The whole rule (EXCHANGE.md, "The rule in full") written by hand in one statement's common
# table expressions: each nomination's facts as flags, its status and its unchecked criteria.
# The baseline inserts the statuses; the check reuses the flags to name the expected reasons.
RULE_CTES = """
WITH conduct AS (
    -- Per person: something that excludes, something that defers (records only under the
    -- policy "violations"; decisions under both).
    SELECT staff_id, bool_or(excludes) AS excludes, bool_or(NOT excludes) AS defers
    FROM (
        SELECT staff_id, status = 'confirmed' AS excludes
        FROM inspections_violationrecord
        WHERE %(records_count)s AND status IN ('confirmed', 'submitted')
          AND occurred_at >= %(start)s AND occurred_at < %(end)s
        UNION ALL
        SELECT staff_id, status = 'decided'
        FROM inspections_disciplinedecision
        WHERE status = 'under_review'
           OR (status = 'decided' AND decided_on <= %(ends_on)s
               AND effective_until >= %(starts_on)s)
    ) AS counted
    GROUP BY staff_id
),
person AS (
    SELECT n.id, n.staff_id, t.code AS title, n.rating, s.hired_on,
           coalesce(c.excludes, false) AS conduct_excludes,
           coalesce(c.defers, false) AS conduct_defers,
           btrim(n.initiative) = '' AS no_initiative
    FROM emulation_nomination n
    JOIN emulation_title t ON t.id = n.title_id
    JOIN personnel_staff s ON s.id = n.staff_id
    LEFT JOIN conduct c ON c.staff_id = n.staff_id
    WHERE n.period_id = %(period)s
),
ldtt AS (
    SELECT *,
           CASE WHEN conduct_excludes OR bad_rating OR short_tenure THEN 'excluded'
                WHEN conduct_defers THEN 'pending' ELSE 'eligible' END AS status
    FROM (
        SELECT person.*,
               rating NOT IN ('', 'tot', 'xuat_sac') AS bad_rating,
               coalesce(hired_on > (%(ends_on)s::date
                                    - make_interval(months => %(min_months)s))::date,
                        false) AS short_tenure,
               concat_ws(',', CASE WHEN rating = '' THEN 'rating' END,
                              CASE WHEN hired_on IS NULL THEN 'tenure' END) AS unchecked
        FROM person WHERE title = 'lao_dong_tien_tien'
    ) AS flagged
),
other AS (
    SELECT *,
           CASE WHEN conduct_excludes
                     OR (title = 'chien_si_thi_dua_co_so'
                         AND (held NOT IN ('eligible', 'pending') OR no_merit)) THEN 'excluded'
                WHEN conduct_defers OR (title = 'chien_si_thi_dua_co_so' AND held = 'pending')
                     THEN 'pending'
                ELSE 'eligible' END AS status
    FROM (
        SELECT p.*, coalesce(l.status, 'missing') AS held,
               p.rating NOT IN ('', 'xuat_sac') AND p.no_initiative AS no_merit,
               CASE WHEN p.title = 'chien_si_thi_dua_co_so' AND p.rating = ''
                         AND p.no_initiative THEN 'merit' ELSE '' END AS unchecked
        FROM person p
        LEFT JOIN ldtt l ON l.staff_id = p.staff_id
        WHERE p.title <> 'lao_dong_tien_tien'
    ) AS flagged
),
individual AS (
    SELECT id, staff_id, title, status, unchecked FROM ldtt
    UNION ALL
    SELECT id, staff_id, title, status, unchecked FROM other
),
collective AS (
    SELECT n.id, n.unit_id, t.code AS title
    FROM emulation_nomination n
    JOIN emulation_title t ON t.id = n.title_id
    WHERE n.period_id = %(period)s AND n.staff_id IS NULL
),
member AS (
    -- The staff whose posting covers the period's last day, in a nominated unit.
    SELECT DISTINCT p.unit_id, p.staff_id
    FROM personnel_posting p
    WHERE p.unit_id IN (SELECT unit_id FROM collective)
      AND (p.starts_on IS NULL OR p.starts_on <= %(ends_on)s)
      AND (p.ends_on IS NULL OR p.ends_on >= %(ends_on)s)
),
member_decision AS (
    -- Decided decisions of cảnh cáo or heavier in effect in the period, of members.
    SELECT m.unit_id, d.id AS decision_id
    FROM member m
    JOIN inspections_disciplinedecision d ON d.staff_id = m.staff_id
    WHERE d.status = 'decided' AND d.form = ANY(%(barring)s)
      AND d.decided_on <= %(ends_on)s AND d.effective_until >= %(starts_on)s
),
held AS (
    -- One row per nominated person: the statuses of their two titles.
    SELECT staff_id,
           min(status) FILTER (WHERE title = 'lao_dong_tien_tien') AS ldtt,
           min(status) FILTER (WHERE title = 'chien_si_thi_dua_co_so') AS cstdcs
    FROM individual
    GROUP BY staff_id
),
unit_facts AS (
    SELECT m.unit_id, count(*) AS members,
           count(*) FILTER (WHERE h.ldtt = 'eligible') AS ldtt_eligible,
           count(*) FILTER (WHERE h.ldtt = 'pending') AS ldtt_pending,
           count(*) FILTER (WHERE h.cstdcs = 'eligible') AS cstdcs_eligible,
           count(*) FILTER (WHERE h.cstdcs = 'pending') AS cstdcs_pending
    FROM member m
    LEFT JOIN held h ON h.staff_id = m.staff_id
    GROUP BY m.unit_id
),
collective_flagged AS (
    SELECT *,
           CASE WHEN NOT share_with_pending OR disciplined OR (no_cstdcs AND NOT cstdcs_pending)
                     THEN 'excluded'
                WHEN NOT share_reached OR no_cstdcs THEN 'pending'
                ELSE 'eligible' END AS status
    FROM (
        SELECT c.id, c.unit_id, c.title,
               coalesce(f.members, 0) AS members,
               coalesce(f.ldtt_eligible, 0) AS holders,
               coalesce(f.members > 0 AND f.ldtt_eligible * 100 >= %(share)s * f.members, false)
                   AS share_reached,
               coalesce(f.members > 0
                        AND (f.ldtt_eligible + f.ldtt_pending) * 100 >= %(share)s * f.members,
                        false) AS share_with_pending,
               EXISTS (SELECT 1 FROM member_decision md WHERE md.unit_id = c.unit_id)
                   AS disciplined,
               c.title = 'tap_the_lao_dong_xuat_sac' AND coalesce(f.cstdcs_eligible, 0) = 0
                   AS no_cstdcs,
               coalesce(f.cstdcs_pending, 0) > 0 AS cstdcs_pending
        FROM collective c
        LEFT JOIN unit_facts f ON f.unit_id = c.unit_id
    ) AS flagged
),
verdict AS (
    SELECT id, status, unchecked FROM individual
    UNION ALL
    SELECT id, status, '' FROM collective_flagged
)
"""


def _rule_params(period: Period) -> dict:
    start, end = period.window()
    return {
        "period": period.pk,
        "start": start,
        "end": end,
        "starts_on": period.starts_on,
        "ends_on": period.ends_on,
        "min_months": period.min_months,
        "share": period.collective_share,
        "records_count": period.policy == Policy.VIOLATIONS,
        "barring": [form for form in DisciplineForm.values if form != DisciplineForm.KHIEN_TRACH],
    }


# A verdict's row as the rule service stores it: the verdict and the nomination's place in the
# council's list (its period, unit and title, the group, the nominee's and the title's codes).
STORED_COLUMNS = (
    "nomination_id, status, unchecked, period_id, unit_id, title_id, collective, list_group,"
    " list_code, list_title"
)


# Each verdict's row from RULE_CTES' `verdict`, with the nomination's place in the council's
# list read by the joins the rule service makes.
VERDICT_ROWS = """
    SELECT v.id, v.status, v.unchecked, n.period_id, n.unit_id, n.title_id, n.staff_id IS NULL,
           CASE WHEN v.status = 'excluded' THEN 0 WHEN v.status = 'pending' THEN 1
                WHEN v.unchecked <> '' THEN 2 ELSE 3 END,
           coalesce(s.code, u.code), t.code, now()
    FROM verdict v
    JOIN emulation_nomination n ON n.id = v.id
    JOIN emulation_title t ON t.id = n.title_id
    JOIN personnel_unit u ON u.id = n.unit_id
    LEFT JOIN personnel_staff s ON s.id = n.staff_id
"""
# Only the exceptions are stored, as the rule service stores them: a nomination plainly
# eligible (eligible, every criterion checked) has no row.
EXCEPTIONS_ONLY = "WHERE v.status <> 'eligible' OR v.unchecked <> ''"


def _baseline_sql(period: Period) -> tuple[str, dict]:
    """The rule as one hand-written statement (RULE_CTES) doing what the rule service stores:
    the verdict of every nomination that is an exception (EXCEPTIONS_ONLY) with its place in
    the council's list (VERDICT_ROWS), the
    deciding reasons in the contract's order (EXPECTED_REASONS, each verdict's by kind, then
    oldest first) and the council list's counts per unit and title."""
    sql = f"""
        {RULE_CTES}, {EXPECTED_REASONS},
        inserted AS (
            INSERT INTO {BASELINE_TABLE} ({STORED_COLUMNS}, evaluated_at)
            {VERDICT_ROWS} {EXCEPTIONS_ONLY}
            RETURNING id, nomination_id
        ),
        counted AS (
            INSERT INTO {BASELINE_COUNTS}
                (period_id, unit_id, title_id, eligible, excluded, pending)
            SELECT n.period_id, n.unit_id, n.title_id,
                   count(*) FILTER (WHERE v.status = 'eligible'),
                   count(*) FILTER (WHERE v.status = 'excluded'),
                   count(*) FILTER (WHERE v.status = 'pending')
            FROM emulation_nomination n JOIN verdict v ON v.id = n.id
            WHERE n.period_id = %(period)s
            GROUP BY n.period_id, n.unit_id, n.title_id
        )
        INSERT INTO {BASELINE_REASONS} (verdict_id, kind, record_id, decision_id, data, position)
        SELECT i.id, e.kind, e.record_id, e.decision_id, e.data,
               row_number() OVER (
                   PARTITION BY e.id
                   ORDER BY array_position(%(kinds)s::text[], e.kind), r.occurred_at,
                            d.decided_on, e.record_id, e.decision_id
               ) - 1
        FROM expected e
        JOIN inserted i ON i.nomination_id = e.id
        LEFT JOIN inspections_violationrecord r ON r.id = e.record_id
        LEFT JOIN inspections_disciplinedecision d ON d.id = e.decision_id
    """  # noqa: S608
    return sql, _rule_params(period) | {"kinds": list(ReasonKind.values)}


def _verdicts_only_sql(period: Period) -> tuple[str, dict]:
    """The verdicts alone (the baseline of the runs before 07/12/2026 09:40 UTC): no reasons,
    no counts."""
    sql = (
        f"INSERT INTO {BASELINE_TABLE} ({STORED_COLUMNS}, evaluated_at) {RULE_CTES} {VERDICT_ROWS}"
    )
    return sql, _rule_params(period)


# The reasons the rule must store, from the flags of RULE_CTES: (nomination, kind, record,
# decision, data) for every reason of the deciding status.
EXPECTED_REASONS = """
expected AS (
    SELECT i.id, 'violation' AS kind, r.id AS record_id, NULL::bigint AS decision_id,
           '{}'::jsonb AS data
    FROM individual i
    JOIN inspections_violationrecord r ON r.staff_id = i.staff_id
    WHERE %(records_count)s AND r.occurred_at >= %(start)s AND r.occurred_at < %(end)s
      AND ((i.status = 'excluded' AND r.status = 'confirmed')
        OR (i.status = 'pending' AND r.status = 'submitted'))
    UNION ALL
    SELECT i.id, 'discipline', NULL, d.id, '{}'::jsonb
    FROM individual i
    JOIN inspections_disciplinedecision d ON d.staff_id = i.staff_id
    WHERE (i.status = 'excluded' AND d.status = 'decided' AND d.decided_on <= %(ends_on)s
           AND d.effective_until >= %(starts_on)s)
       OR (i.status = 'pending' AND d.status = 'under_review')
    UNION ALL
    SELECT id, 'rating', NULL, NULL, jsonb_build_object('rating', rating)
    FROM ldtt WHERE status = 'excluded' AND bad_rating
    UNION ALL
    SELECT id, 'tenure', NULL, NULL,
           jsonb_build_object('hired_on', to_char(hired_on, 'YYYY-MM-DD'),
                              'min_months', %(min_months)s::int)
    FROM ldtt WHERE status = 'excluded' AND short_tenure
    UNION ALL
    SELECT id, 'requires_title', NULL, NULL,
           jsonb_build_object('title', 'lao_dong_tien_tien', 'status', held)
    FROM other
    WHERE title = 'chien_si_thi_dua_co_so'
      AND ((status = 'excluded' AND held NOT IN ('eligible', 'pending'))
        OR (status = 'pending' AND held = 'pending'))
    UNION ALL
    SELECT id, 'merit', NULL, NULL, '{}'::jsonb
    FROM other WHERE title = 'chien_si_thi_dua_co_so' AND status = 'excluded' AND no_merit
    UNION ALL
    SELECT id, 'collective_share', NULL, NULL,
           jsonb_build_object('members', members, 'holders', holders,
                              'required_percent', %(share)s::int)
    FROM collective_flagged
    WHERE (status = 'excluded' AND NOT share_with_pending)
       OR (status = 'pending' AND NOT share_reached)
    UNION ALL
    SELECT c.id, 'member_disciplined', NULL, md.decision_id, '{}'::jsonb
    FROM collective_flagged c
    JOIN member_decision md ON md.unit_id = c.unit_id
    WHERE c.status = 'excluded'
    UNION ALL
    SELECT id, 'no_cstdcs_member', NULL, NULL, '{}'::jsonb
    FROM collective_flagged
    WHERE no_cstdcs AND ((status = 'excluded' AND NOT cstdcs_pending)
                         OR (status = 'pending' AND cstdcs_pending))
),
stored AS (
    SELECT v.nomination_id AS id, r.kind, r.record_id, r.decision_id, r.data
    FROM emulation_verdictreason r
    JOIN emulation_verdict v ON v.id = r.verdict_id
    JOIN emulation_nomination n ON n.id = v.nomination_id
    WHERE n.period_id = %(period)s
)
"""


def _same_verdicts(period: Period) -> bool:
    """The service's verdicts (status and unchecked criteria; a nomination without a row
    read as eligible, every criterion checked) equal the hand-written rule's for every
    nomination; the rows it stores (the exceptions, with their place in the council's list)
    are the baseline's; and its reasons are exactly the deciding ones: the records, decisions
    and members' decisions, and the failed criteria with their data."""
    every_nomination = _execute(
        f"""
        {RULE_CTES},
        service AS (
            SELECT n.id, coalesce(s.status, 'eligible') AS status,
                   coalesce(s.unchecked, '') AS unchecked
            FROM emulation_nomination n
            LEFT JOIN emulation_verdict s ON s.nomination_id = n.id
            WHERE n.period_id = %(period)s
        )
        SELECT count(*) FROM (
            (SELECT id, status, unchecked FROM verdict EXCEPT ALL SELECT * FROM service)
            UNION ALL
            (SELECT * FROM service EXCEPT ALL SELECT id, status, unchecked FROM verdict)
        ) AS differing
        """,  # noqa: S608
        _rule_params(period),
    )[0][0]
    service = f"SELECT {STORED_COLUMNS} FROM emulation_verdict WHERE period_id = %(period)s"  # noqa: S608
    differences = (
        every_nomination
        + _execute(
            f"""
        SELECT count(*) FROM (
          ({service} EXCEPT SELECT {STORED_COLUMNS} FROM {BASELINE_TABLE})
          UNION ALL
          (SELECT {STORED_COLUMNS} FROM {BASELINE_TABLE} EXCEPT {service})
        ) AS differing
        """,  # noqa: S608
            {"period": period.pk},
        )[0][0]
    )
    reasons_wrong = _execute(
        f"""
        {RULE_CTES}, {EXPECTED_REASONS}
        SELECT count(*) FROM (
            (SELECT * FROM expected EXCEPT ALL SELECT * FROM stored)
            UNION ALL
            (SELECT * FROM stored EXCEPT ALL SELECT * FROM expected)
        ) AS differing
        """,  # noqa: S608
        _rule_params(period),
    )[0][0]
    # The baseline's reasons, positions included, are the service's.
    reasons_apart = _execute(
        f"""
        WITH service AS (
            SELECT v.nomination_id, r.kind, r.record_id, r.decision_id, r.data, r.position
            FROM emulation_verdictreason r JOIN emulation_verdict v ON v.id = r.verdict_id
            WHERE v.period_id = %(period)s
        ), baseline AS (
            SELECT v.nomination_id, r.kind, r.record_id, r.decision_id, r.data, r.position
            FROM {BASELINE_REASONS} r JOIN {BASELINE_TABLE} v ON v.id = r.verdict_id
            WHERE v.period_id = %(period)s
        )
        SELECT count(*) FROM (
            (SELECT * FROM service EXCEPT ALL SELECT * FROM baseline)
            UNION ALL
            (SELECT * FROM baseline EXCEPT ALL SELECT * FROM service)
        ) AS differing
        """,  # noqa: S608
        {"period": period.pk},
    )[0][0]
    counts_apart = _execute(
        f"""
        SELECT count(*) FROM (
            (SELECT period_id, unit_id, title_id, eligible, excluded, pending
             FROM emulation_verdicttally WHERE period_id = %(period)s
             EXCEPT SELECT period_id, unit_id, title_id, eligible, excluded, pending
             FROM {BASELINE_COUNTS})
            UNION ALL
            (SELECT period_id, unit_id, title_id, eligible, excluded, pending
             FROM {BASELINE_COUNTS}
             EXCEPT SELECT period_id, unit_id, title_id, eligible, excluded, pending
             FROM emulation_verdicttally WHERE period_id = %(period)s)
        ) AS differing
        """,  # noqa: S608
        {"period": period.pk},
    )[0][0]
    return differences == reasons_wrong == reasons_apart == counts_apart == 0


def case_eligibility_period(period: Period, repeats: int) -> dict:
    # The baseline stores what the service stores, the same way: verdict rows with their place
    # in the council's list, the deciding reasons and the counts, in tables with the columns,
    # indexes and deferred foreign keys of emulation_verdict, _verdictreason and _verdicttally.
    _create_baseline_tables()
    sql, params = _baseline_sql(period)

    def baseline():
        with transaction.atomic():  # the deferred checks at the commit, as the service's
            _execute(sql, params)

    seconds, baseline_seconds = side_by_side(
        case=lambda: services.evaluate_period(period=period),
        prepare_case=_clear_verdicts,
        baseline=baseline,
        prepare_baseline=_clear_baseline,
        repeats=repeats,
    )
    same = _same_verdicts(period)
    # The verdicts alone, as the baseline was before it wrote the reasons and counts too.
    verdicts_only_sql, verdicts_only_params = _verdicts_only_sql(period)
    verdicts_only = []
    for _repeat in range(repeats):
        _clear_baseline()
        verdicts_only.append(_seconds(lambda: _execute(verdicts_only_sql, verdicts_only_params)))
    _clear_baseline()
    _execute(sql, params)  # leave the full baseline for the cases after
    result = _result("eligibility_period", seconds, "hand_written_sql", baseline_seconds, same)
    result["verdicts_only_seconds"] = round(statistics.median(verdicts_only), 6)
    return result


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
    the same for a person with no nominations. Each repetition takes new people. Afterwards
    the whole period must still agree with the hand-written statement (the collectives of
    those people's units included).

    The period is evaluated first when `eligibility_period` did not run (`--only`), not timed,
    and its tables analysed, as autovacuum does soon after a whole period's verdicts are
    written: on the statistics of empty verdict tables the planner's guesses are a bench's
    artefact."""
    _create_baseline_tables()
    if not Verdict.objects.filter(nomination__period=period).exists():
        services.evaluate_period(period=period)
    _execute(
        "ANALYZE emulation_nomination, emulation_verdict, emulation_verdictreason,"
        " emulation_verdicttally"
    )
    eligible = list(
        # Plainly eligible: a nomination without a verdict row.
        Staff.objects.filter(nominations__period=period, nominations__verdict__isnull=True)
        .distinct()
        .order_by("pk")[:repeats]
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
    _clear_baseline()
    sql, params = _baseline_sql(period)
    _execute(sql, params)
    same &= _same_verdicts(period)
    return _result(
        "eligibility_person", seconds, "person_without_nominations", baseline_seconds, same
    )


# A nomination's verdict status as the lists read it: without a verdict row, eligible.
PLAINLY_ELIGIBLE_STATUS = Coalesce("verdict__status", Value(VerdictStatus.ELIGIBLE.value))


def naive_evaluate(*, nominations: list[Nomination], period: Period) -> dict[int, tuple]:
    """The rule as a loop: per nomination, a few queries for its facts, the rule's own
    functions, and a write (what the service avoids). Lao động tiên tiến first, then the
    titles that read it, then the collectives, which read their members' verdicts."""
    start, end = period.window()
    now = timezone.now()
    verdicts = {}
    in_effect = Q(status=DisciplineStatus.UNDER_REVIEW) | Q(
        status=DisciplineStatus.DECIDED,
        decided_on__lte=period.ends_on,
        effective_until__gte=period.starts_on,
    )
    decision_fields = ("pk", "status", "form", "decided_on")

    def order(nomination):
        return (nomination.staff_id is None, nomination.title.code != rule.LAO_DONG_TIEN_TIEN)

    for nomination in sorted(nominations, key=order):
        title = nomination.title.code
        if nomination.staff_id is not None:
            conduct = rule.Conduct()
            if period.policy == Policy.VIOLATIONS:
                conduct.records = [
                    rule.Record(*row)
                    for row in ViolationRecord.objects.filter(
                        staff_id=nomination.staff_id,
                        status__in=[RecordStatus.CONFIRMED, RecordStatus.SUBMITTED],
                        occurred_at__gte=start,
                        occurred_at__lt=end,
                    ).values_list("pk", "status", "occurred_at")
                ]
            conduct.decisions = [
                rule.Decision(*row)
                for row in DisciplineDecision.objects.filter(
                    in_effect, staff_id=nomination.staff_id
                ).values_list(*decision_fields)
            ]
            held = None
            if title == rule.CHIEN_SI_THI_DUA_CO_SO:
                held = (
                    Nomination.objects.filter(
                        period=period,
                        staff_id=nomination.staff_id,
                        title__code=rule.LAO_DONG_TIEN_TIEN,
                    )
                    .values_list(PLAINLY_ELIGIBLE_STATUS, flat=True)
                    .first()
                )
            judgement = rule.judge_individual(
                title=title,
                hired_on=nomination.staff.hired_on,
                conduct=conduct,
                rating=nomination.rating,
                initiative=nomination.initiative,
                policy=period.policy,
                ends_on=period.ends_on,
                min_months=period.min_months,
                lao_dong_tien_tien=held,
            )
        else:
            member_ids = Posting.objects.filter(
                postings_covering(period.ends_on), unit_id=nomination.unit_id
            ).values("staff_id")
            members = rule.Members(count=Staff.objects.filter(pk__in=member_ids).count())
            for held_title, status in Nomination.objects.filter(
                period=period, staff_id__in=member_ids
            ).values_list("title__code", PLAINLY_ELIGIBLE_STATUS):
                members.verdicts.setdefault(held_title, []).append(status)
            members.decisions = [
                rule.Decision(*row)
                for row in DisciplineDecision.objects.filter(
                    in_effect, status=DisciplineStatus.DECIDED, staff_id__in=member_ids
                ).values_list(*decision_fields, "staff__code")
            ]
            judgement = rule.judge_collective(
                title=title, members=members, share=period.collective_share
            )
        unchecked = ",".join(judgement.unchecked)
        collective = nomination.staff_id is None
        verdicts[nomination.pk] = (judgement.status, unchecked)
        if judgement.status == VerdictStatus.ELIGIBLE and not unchecked:
            # Plainly eligible: no row, as the service stores it.
            Verdict.objects.filter(nomination=nomination).delete()
            continue
        Verdict.objects.update_or_create(
            nomination=nomination,
            defaults={
                "status": judgement.status,
                "unchecked": unchecked,
                "evaluated_at": now,
                # The place in the council's list, as the service stores it with the verdict.
                "period": period,
                "unit_id": nomination.unit_id,
                "title_id": nomination.title_id,
                "collective": collective,
                "list_group": list_group_of(status=judgement.status, unchecked=unchecked),
                "list_code": nomination.unit.code if collective else nomination.staff.code,
                "list_title": title,
            },
        )
    return verdicts


def case_eligibility_naive(period: Period, repeats: int, period_result: dict) -> dict:
    """The loop over a sample of at most 5,000 nominations, extrapolated to the period, against
    the service's whole-period figure measured just before. Rolled back: it changes nothing."""
    nominations = Nomination.objects.filter(period=period)
    total = nominations.count()
    sample = list(
        nominations.select_related("staff", "title", "unit").order_by("pk")[:NAIVE_SAMPLE]
    )
    # The service's verdicts; a nomination without a row is eligible, every criterion checked.
    expected = dict.fromkeys((n.pk for n in sample), (VerdictStatus.ELIGIBLE.value, ""))
    expected.update(
        (nomination_id, (status, unchecked))
        for nomination_id, status, unchecked in Verdict.objects.filter(
            nomination__in=[n.pk for n in sample]
        ).values_list("nomination_id", "status", "unchecked")
    )
    results: list[dict[int, tuple]] = []

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


def _user(username: str, role: str) -> User:
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


# Production settings serve static files through the collected manifest, absent here.
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A page read from the database every time (core.page_cache keeps nothing in a cache of each
# process): the cases that time the list's pages and a ward's people, not a read of Redis.
READ_AFRESH = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


# The council's page lists people's nominations exceptions first: excluded, pending, eligible
# with a criterion unchecked, eligible; within each group by staff code, title code and id
# (emulation.selectors.nomination_page's key), written here by hand; a nomination without a
# verdict row is eligible, every criterion checked.
COUNCIL_ORDER = """
SELECT n.id, s.code
FROM emulation_nomination n
JOIN personnel_staff s ON s.id = n.staff_id
JOIN emulation_title t ON t.id = n.title_id
LEFT JOIN emulation_verdict v ON v.nomination_id = n.id
WHERE n.period_id = %s
ORDER BY CASE WHEN v.status = 'excluded' THEN 0
              WHEN v.status = 'pending' THEN 1
              WHEN coalesce(v.unchecked, '') <> '' THEN 2
              ELSE 3 END,
         s.code, t.code, n.id
"""


def case_council_list(period: Period, repeats: int) -> list[dict]:
    """The council's period page through the test client: first page and last page."""
    # The statistics autovacuum would have gathered after the evaluations' writes: without
    # them PostgreSQL reads a page's 50 verdicts' reasons by hashing every record.
    _execute("ANALYZE emulation_nomination, emulation_verdict, emulation_verdictreason")
    client = Client()
    client.force_login(_user("bench-council", Role.COUNCIL))
    ordered = _execute(COUNCIL_ORDER, [period.pk])
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

    with override_settings(STORAGES=PLAIN_STATIC, CACHES=READ_AFRESH):
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


# --- export_csv --------------------------------------------------------------------------------

# The same columns as the streamed export (EXCHANGE.md's eligibility CSV), by the database
# alone: one aggregate statement written out by COPY.
# People first (by staff code, then title), then the collectives (no staff code, the unit's
# name, by unit code, then title). record_nos: the numbers of the deciding records, then of
# the decisions (the person's, or the members' for a collective), each oldest first, which
# is the order of the reasons' positions; the criteria's reasons have no number. A NULL is
# written as nothing, as the view writes an empty field (an empty string would be "").
EXPORT_COPY = """
COPY (
    SELECT s.code AS staff_code, coalesce(s.full_name, u.name) AS full_name,
           u.code AS agency_code, t.code AS title,
           coalesce(v.status, 'eligible') AS status,
           string_agg(coalesce(r.number, d.number), '; '
                      ORDER BY reason.record_id IS NULL, r.occurred_at, r.id,
                               d.decided_on, d.id)
               FILTER (WHERE coalesce(r.number, d.number) IS NOT NULL) AS record_nos
    FROM emulation_nomination n
    LEFT JOIN personnel_staff s ON s.id = n.staff_id
    JOIN personnel_unit u ON u.id = n.unit_id
    JOIN emulation_title t ON t.id = n.title_id
    LEFT JOIN emulation_verdict v ON v.nomination_id = n.id
    LEFT JOIN emulation_verdictreason reason ON reason.verdict_id = v.id
    LEFT JOIN inspections_violationrecord r ON r.id = reason.record_id
    LEFT JOIN inspections_disciplinedecision d ON d.id = reason.decision_id
    WHERE n.period_id = {period}
    GROUP BY n.id, s.code, s.full_name, u.code, u.name, t.code, v.status
    ORDER BY s.code, u.code, t.code, n.id
) TO STDOUT WITH (FORMAT csv, HEADER)
"""


def database_url() -> str:
    """The URL of the database this process uses (the scratch one, or the smoke test's)."""
    options = connection.settings_dict
    password = f":{quote(options['PASSWORD'], safe='')}" if options.get("PASSWORD") else ""
    user = quote(options.get("USER") or "", safe="")
    host = options.get("HOST") or "localhost"
    port = options.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{options['NAME']}"


def child_environment() -> dict[str, str]:
    """Our own settings for a child process (manage.py, gunicorn) on the same database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }


# manage.py, then the process's own peak resident memory (VmHWM, which starts afresh at exec)
# on stderr: wait4's ru_maxrss would keep the high-water mark of the fork of the benchmark
# process from before the exec, i.e. the benchmark's own size.
MEASURED_MANAGE = """
import runpy, sys
try:
    runpy.run_path("manage.py", run_name="__main__")
finally:
    sys.stdout.flush()
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmHWM:"))
    sys.stderr.write(f"PEAK_RSS_KIB {peak.split()[1]}\\n")
"""


def command_peak_rss(period: Period) -> tuple[int, str]:
    """The peak resident memory (bytes) of a fresh `manage.py eligibility --format csv` that
    prints the whole period, and the SHA-256 of what it printed. Not timed."""
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - our own command, no outside input
            [
                sys.executable,
                "-c",
                MEASURED_MANAGE,
                *("eligibility", "--period", period.code, "--format", "csv"),
            ],
            cwd=PROJECT_DIR,
            env=child_environment(),
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        while chunk := process.stdout.read(1 << 16):
            digest.update(chunk)
        process.stdout.close()
        errors.seek(0)
        report = errors.read().decode()
        if process.wait() != 0 or "PEAK_RSS_KIB " not in report:
            raise RuntimeError(f"manage.py eligibility failed:\n{report}")
    return int(report.split("PEAK_RSS_KIB ")[1].split()[0]) * 1024, digest.hexdigest()


EXCEL_MARK = "\ufeff".encode()


def case_export_csv(period: Period, repeats: int) -> dict:
    """The council's CSV download, streamed through the test client, against COPY … TO STDOUT
    of the same columns; then the memory of the command that prints the same file."""
    client = Client()
    client.force_login(_user("bench-council", Role.COUNCIL))
    url = reverse("emulation:period_export_csv", kwargs={"code": period.code})
    digests: dict[str, str] = {}
    sizes: dict[str, int] = {}

    def download():
        response = client.get(url)
        assert response.status_code == 200 and response.streaming
        digest, size = hashlib.sha256(), 0
        for chunk in response.streaming_content:
            digest.update(chunk)
            size += len(chunk)
        digests["view"], sizes["view"] = digest.hexdigest(), size

    def copy_out():
        # The download starts with the byte-order mark Excel needs; the command prints none.
        digest, marked = hashlib.sha256(), hashlib.sha256(EXCEL_MARK)
        statement = EXPORT_COPY.format(period=int(period.pk))
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for data in copy:
                digest.update(data)
                marked.update(data)
        digests["copy"], digests["copy_marked"] = digest.hexdigest(), marked.hexdigest()

    seconds, baseline_seconds = side_by_side(case=download, baseline=copy_out, repeats=repeats)
    peak_rss, command_digest = command_peak_rss(period)
    same = digests["view"] == digests["copy_marked"] and digests["copy"] == command_digest
    result = _result("export_csv", seconds, "copy_to_stdout", baseline_seconds, same)
    result.update(bytes=sizes["view"], command_peak_rss_bytes=peak_rss)
    return result


# --- council_list_pdf -----------------------------------------------------------------------

PDF_ROWS = 1_000
PDF_BASELINE_ROWS = 10  # the header, the sections and the signatures: about a page


def _pdf_period(period: Period, code: str, rows: int) -> Period:
    """A period of the same span holding the first `rows` nominations of `period` (a few of
    them collective), evaluated by the rule service."""
    copy = Period.objects.create(
        code=code, name=code, starts_on=period.starts_on, ends_on=period.ends_on
    )
    collective = max(rows // 100, 1)
    for staff_null, count in ((False, rows - collective), (True, collective)):
        _execute(
            "INSERT INTO emulation_nomination (period_id, staff_id, title_id, unit_id, rating,"
            " initiative, list_code, list_title, created_at) SELECT %s, staff_id, title_id,"
            " unit_id, rating, initiative, list_code, list_title, created_at"
            " FROM emulation_nomination WHERE period_id = %s"
            " AND (staff_id IS NULL) = %s ORDER BY id LIMIT %s",
            [copy.pk, period.pk, staff_null, count],
        )
    services.evaluate_period(period=copy)
    return copy


def case_council_list_pdf(period: Period, repeats: int) -> dict:
    """The council's list as a PDF (emulation.documents.council_list, what the prepared file
    runs) for 1,000 nominations, beside the same document of one page (10 nominations)."""
    from pypdf import PdfReader

    large = _pdf_period(period, "BENCH-PDF", PDF_ROWS)
    small = _pdf_period(period, "BENCH-PDF-1", PDF_BASELINE_ROWS)
    made: dict[str, bytes] = {}

    def make(name, subject):
        made[name] = council_list(period=subject)

    make("small", small)  # warm-up: WeasyPrint's import, fonts and stylesheets
    seconds, baseline_seconds = side_by_side(
        case=lambda: make("large", large),
        baseline=lambda: make("small", small),
        repeats=repeats,
    )
    reader = PdfReader(io.BytesIO(made["large"]))
    pages = len(reader.pages)
    text = " ".join(page.extract_text() for page in reader.pages)
    codes = Nomination.objects.filter(period=large, staff__isnull=False).values_list(
        "staff__code", flat=True
    )
    same = all(code in text for code in codes)
    result = _result("council_list_pdf", seconds, "ten_row_list", baseline_seconds, same)
    result.update(pdf_rows=PDF_ROWS, pdf_pages=pages, pdf_bytes=len(made["large"]))
    return result


# --- import_staff_xlsx -------------------------------------------------------------------------

IMPORT_PREFIX = "BI-"


def _import_rows(count: int, unit_codes: list[str]) -> list[list]:
    """The file's rows under its header: new people spread over the units, Excel-style dates
    (a date cell for hired_on, a dd/mm/yyyy text for posted_on on every other row)."""
    rng = random.Random(7)
    rows = []
    for number in range(count):
        unit = unit_codes[number % len(unit_codes)]
        rows.append(
            [
                f"{IMPORT_PREFIX}{number:07d}",
                f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                unit,
                CATEGORIES[number % 4],
                "Chuyên viên" if number % 3 else None,
                f"{unit}.{number:09d}",
                datetime.date(2000 + number % 24, 1 + number % 12, 1 + number % 28),
                f"{1 + number % 28:02d}/03/2024" if number % 2 else None,
            ]
        )
    return rows


def _clear_imported() -> None:
    _execute(
        "DELETE FROM personnel_posting WHERE staff_id IN "
        "(SELECT id FROM personnel_staff WHERE code LIKE %s)",
        [f"{IMPORT_PREFIX}%"],
    )
    _execute("DELETE FROM personnel_staff WHERE code LIKE %s", [f"{IMPORT_PREFIX}%"])


def _imported_fingerprint() -> str:
    """Everything the import stores about the file's people, as one digest."""
    return _execute(
        """
        SELECT md5(coalesce(string_agg(concat_ws('|', s.code, s.full_name, s.category,
                   s.position, s.badge_number, s.hired_on, s.search_text, s.is_active,
                   u.code, p.starts_on, p.ends_on), E'\n' ORDER BY s.code), ''))
        FROM personnel_staff s
        JOIN personnel_posting p ON p.staff_id = s.id
        JOIN personnel_unit u ON u.id = p.unit_id
        WHERE s.code LIKE %s
        """,
        [f"{IMPORT_PREFIX}%"],
    )[0][0]


def case_import_staff(scale: Scale, repeats: int) -> dict:
    """import_staff of an XLSX as Excel saves it (file written beforehand, not timed) into a
    roster without those people, against COPY of the same rows (people and postings) with
    the values the import would compute."""
    unit_ids = dict(Unit.objects.order_by("pk").values_list("code", "pk")[:1_500])
    rows = _import_rows(scale.import_rows, list(unit_ids))
    now = timezone.now()
    prepared = []
    for code, name, unit, category, position, badge, hired_on, posted_on in rows:
        starts_on = (
            datetime.datetime.strptime(posted_on, "%d/%m/%Y").date() if posted_on else hired_on
        )
        prepared.append(
            (
                (code, name, category, position or "", badge, hired_on),
                staff_search_text(name, badge),
                unit_ids[unit],
                starts_on,
            )
        )
    fingerprints = {}

    def copy_in():
        first_id = _next_id("personnel_staff")
        _copy(
            "personnel_staff",
            [
                "id",
                "code",
                "full_name",
                "category",
                "position",
                "badge_number",
                "hired_on",
                "search_text",
                "is_active",
                "created_at",
                "updated_at",
            ],
            (
                (first_id + index, *fields, search_text, True, now, now)
                for index, (fields, search_text, _unit, _start) in enumerate(prepared)
            ),
        )
        _copy(
            "personnel_posting",
            ["staff_id", "unit_id", "starts_on", "staff_full_name", "staff_code"],
            (
                (first_id + index, unit_id, starts_on, fields[1], fields[0])
                for index, (fields, _text, unit_id, starts_on) in enumerate(prepared)
            ),
        )

    with tempfile.TemporaryDirectory(prefix="kc-bench-") as folder:
        path = Path(folder) / "staff.xlsx"
        write_excel_style(path, [[column.header for column in STAFF_COLUMNS], *rows])
        file_bytes = path.stat().st_size
        results = []

        def import_file():
            results.append(staff_import(path=path))

        def finish(kind):
            fingerprints[kind] = _imported_fingerprint()
            _clear_imported()

        _clear_imported()
        case_times, baseline_times = [], []
        for repeat in range(repeats):
            order = [("import", import_file, case_times), ("copy", copy_in, baseline_times)]
            for kind, action, times in order if repeat % 2 == 0 else reversed(order):
                times.append(_seconds(action))
                finish(kind)
    result = results[-1]
    same = (
        not result.problems
        and result.created == len(rows)
        and fingerprints["import"] == fingerprints["copy"]
    )
    outcome = _result(
        "import_staff_xlsx",
        statistics.median(case_times),
        "copy_of_the_rows",
        statistics.median(baseline_times),
        same,
    )
    outcome.update(rows=len(rows), file_bytes=file_bytes)
    return outcome


# --- large_unit_* --------------------------------------------------------------------------------

LARGE_UNIT_CODE = "BL-WARD"
LARGE_UNIT_PREFIX = "BL"
# The people posted to a unit on a day, by name, as the selector orders them, written by hand.
POSTED_BY_NAME = """
SELECT DISTINCT s.id, s.full_name, s.code
FROM personnel_staff s
JOIN personnel_posting p ON p.staff_id = s.id
WHERE p.unit_id = %s
  AND (p.starts_on IS NULL OR p.starts_on <= %s)
  AND (p.ends_on IS NULL OR p.ends_on >= %s)
ORDER BY s.full_name, s.code
"""


def _large_unit(people: int) -> Unit:
    """A ward of `people` posted to it today (one in 50 transferred in this year), and one in
    100 more who left it last year."""
    rng = random.Random(15)
    now = timezone.now()
    ward = Unit.objects.create(code=LARGE_UNIT_CODE, name="Phường Lớn", kind="ward")
    first_id = _next_id("personnel_staff")
    gone = people // 100
    names = [
        f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        for _ in range(people + gone)
    ]
    search_texts = {name: staff_search_text(name) for name in set(names)}
    _copy(
        "personnel_staff",
        ["id", "code", "full_name", "category", "position", "badge_number", "is_active",
         "search_text", "created_at", "updated_at"],
        (
            (first_id + index, f"{LARGE_UNIT_PREFIX}{index:07d}", name, CATEGORIES[index % 4],
             "", "", True, search_texts[name], now, now)
            for index, name in enumerate(names)
        ),
    )  # fmt: skip
    elsewhere = Unit.objects.filter(code__startswith="BU").order_by("pk").first()
    this_year = datetime.date(timezone.localdate().year, 1, 1)
    last_year = this_year - datetime.timedelta(days=1)

    def posting_rows():
        for index in range(people + gone):
            staff_id = first_id + index
            person = (names[index], f"{LARGE_UNIT_PREFIX}{index:07d}")
            if index >= people:
                yield (staff_id, ward.pk, None, last_year, *person)
            elif index % 50 == MOVED:
                yield (staff_id, elsewhere.pk, None, last_year, *person)
                yield (staff_id, ward.pk, this_year, None, *person)
            else:
                yield (staff_id, ward.pk, None, None, *person)

    _copy("personnel_posting", POSTING_COLUMNS, posting_rows())
    # As autovacuum would after a load of this size: on the statistics of before, PostgreSQL
    # takes the ward for a unit of tens and sorts its 15,000 people for every page.
    _execute("ANALYZE personnel_staff, personnel_posting")
    return ward


def _large_unit_visits(ward: Unit) -> tuple[User, int, int]:
    """An inspector visiting the large ward and the first generated unit, in one round."""
    inspector = _user("bench-inspector", Role.INSPECTOR)
    small = Unit.objects.filter(code__startswith="BU").order_by("pk").first()
    today = timezone.localdate()
    inspection_round = round_create(
        code=f"BENCH-LARGE-{secrets_suffix()}",
        name="Kiểm tra đột xuất phường lớn (bench)",
        kind="surprise",
        starts_on=today,
        ends_on=today,
        lead=inspector,
        members=[],
        units=[ward, small],
    )
    visits = [
        visit_start(inspection_round=inspection_round, unit=unit, actor=inspector).pk
        for unit in (ward, small)
    ]
    return inspector, *visits


def _page_beside(client: Client, url: str, baseline_url: str, repeats: int):
    """The median seconds of a page and of its baseline page, and the page's last answer."""
    responses = {}

    def get(kind, address):
        responses[kind] = client.get(address)

    get("page", url)  # warm-up: templates, translations
    get("baseline", baseline_url)
    seconds, baseline_seconds = side_by_side(
        case=lambda: get("page", url),
        baseline=lambda: get("baseline", baseline_url),
        repeats=repeats,
    )
    return seconds, baseline_seconds, responses["page"]


def case_large_unit(scale: Scale, repeats: int) -> list[dict]:
    """A ward of 15,000 people (250 at the tiny scale): `staff_posted_to` read to the end
    against the hand-written statement of the same rows; the roll call and the new-record page
    against the same pages of a generated unit (tens of people). Both pages list the first
    PEOPLE_SHOWN by name."""
    ward = _large_unit(scale.large_unit)
    inspector, ward_visit, small_visit = _large_unit_visits(ward)
    today = timezone.localdate()
    expected = [row[0] for row in _execute(POSTED_BY_NAME, [ward.pk, today, today])]
    shown = expected[:PEOPLE_SHOWN]
    read: dict[str, list[int]] = {}

    def selector():
        read["selector"] = [person.pk for person in staff_posted_to(unit=ward, day=today)]

    def hand_written():
        read["sql"] = [row[0] for row in _execute(POSTED_BY_NAME, [ward.pk, today, today])]

    seconds, baseline_seconds = side_by_side(case=selector, baseline=hand_written, repeats=repeats)
    same = read["selector"] == read["sql"] == expected and len(expected) == scale.large_unit
    results = [
        _result("large_unit_staff_posted_to", seconds, "hand_written_sql", baseline_seconds, same)
    ]
    client = Client()
    client.force_login(inspector)
    pages = [
        ("large_unit_roll_call", "inspections:roll_call", r'id="staff-(\d+)"'),
        ("large_unit_record_new", "inspections:record_new", r'<option value="(\d+)"'),
    ]
    with override_settings(STORAGES=PLAIN_STATIC, CACHES=READ_AFRESH):
        for name, url_name, listed in pages:
            seconds, baseline_seconds, response = _page_beside(
                client,
                reverse(url_name, args=[ward_visit]),
                reverse(url_name, args=[small_visit]),
                repeats,
            )
            ids = [int(pk) for pk in re.findall(listed, response.content.decode())]
            same = response.status_code == 200 and ids == shown
            results.append(_result(name, seconds, "small_unit_page", baseline_seconds, same))
    for result in results:
        result["people"] = len(expected)
    return results


# --- http_inspector / http_council -------------------------------------------------------------

WRK_SCRIPT = PROJECT_DIR / "bench" / "wrk_report.lua"


def need_wrk() -> str:
    """wrk from Debian, installed here when missing (as root)."""
    if shutil.which("wrk") is None:
        if os.geteuid() != 0:
            raise RuntimeError("wrk is missing: apt-get install wrk")
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],  # noqa: S607
            check=True,
            timeout=600,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    return shutil.which("wrk")


def _collect_static() -> None:
    """What `make run` does before gunicorn, unless the collected manifest is newer than every
    static file (it compresses them all: 15 s on a loaded machine)."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    # An entry is a folder, or (prefix, folder) for the npm packages collected under a prefix.
    folders = [e[1] if isinstance(e, tuple) else e for e in settings.STATICFILES_DIRS]
    sources = [path for folder in folders for path in Path(folder).rglob("*")]
    newest = max((path.stat().st_mtime for path in sources if path.is_file()), default=0)
    if manifest.exists() and manifest.stat().st_mtime > newest:
        return
    # In a child: the server's own settings (the manifest storage), whatever this process has.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=PROJECT_DIR,
        env=child_environment(),
        check=True,
        timeout=600,
    )


def _drain(base_url: str, workers: int) -> None:
    """Wait for the requests wrk left queued when it stopped, so that they do not count
    against the next run: a few plain requests, each answered after what is ahead of it."""
    for _ in range(2 * workers):
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=120):  # noqa: S310
            pass


def _sessions(user: User, count: int) -> list[str]:
    """`count` signed-in sessions of `user`, as Cookie header values (one per client)."""
    cookies = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        cookies.append(
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    return cookies


def _inspector_visit() -> tuple[User, int]:
    """An inspector on the team of a round, visiting the unit with the most staff."""
    inspector = _user("bench-inspector", Role.INSPECTOR)
    unit = Unit.objects.filter(code__startswith="BU").order_by("pk").first()
    today = timezone.localdate()
    inspection_round = round_create(
        code=f"BENCH-{secrets_suffix()}",
        name="Kiểm tra đột xuất (bench)",
        kind="surprise",
        starts_on=today,
        ends_on=today,
        lead=inspector,
        members=[],
        units=[unit],
    )
    visit = visit_start(inspection_round=inspection_round, unit=unit, actor=inspector)
    return inspector, visit.pk


# The baseline of the minutes: one page of the same stylesheet and fonts, nothing to lay out.
ONE_PAGE = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8"></head><body>'
    '<h1>BIÊN BẢN</h1><p class="subject">Về việc vi phạm kỷ luật, kỷ cương hành chính</p>'
    "</body></html>"
)


def _one_page_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string=ONE_PAGE).write_pdf(stylesheets=[stylesheet()])


def case_minutes_pdf(repeats: int) -> dict:
    """The minutes of a reviewed record with a witness and a refused signature (two pages and
    the review page), read from the database and laid out, beside a one-page PDF of the same
    stylesheet. Both are made once first: the first PDF of a process loads pango and the fonts,
    which the task worker does once."""
    inspector, visit_id = _inspector_visit()
    visit = Visit.objects.select_related("unit").get(pk=visit_id)
    person = staff_posted_to(unit=visit.unit, day=timezone.localdate()).first()
    record = inspection_services.record_create(
        author=inspector, staff=person, unit=visit.unit, visit=visit, type=ViolationType.NO_BADGE,
        occurred_at=timezone.now(), description="Không đeo thẻ công chức khi tiếp công dân.",
        explanation="Quên thẻ ở nhà.", witnesses="Ông Phạm Văn Sơn, Trưởng khu phố",
        signature="refused",
    )  # fmt: skip
    record = inspection_services.record_submit(record=record, actor=inspector)
    inspection_services.record_confirm(
        record=record, reviewer=_user("bench-reviewer", Role.REVIEWER)
    )
    made = {}

    def minutes():
        made["minutes"] = render_minutes(
            ViolationRecord.objects.select_related(
                "staff", "unit__parent", "author", "reviewed_by", "visit__round__lead"
            ).get(pk=record.pk)
        )

    def one_page():
        made["one_page"] = _one_page_pdf()

    minutes()
    one_page()
    seconds, baseline_seconds = side_by_side(case=minutes, baseline=one_page, repeats=repeats)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(made["minutes"])).pages)
    same = (
        f"Số: {record.number}" in text
        and "KẾT QUẢ XEM XÉT BIÊN BẢN" in text
        and len(PdfReader(io.BytesIO(made["one_page"])).pages) == 1
    )
    result = _result("minutes_pdf", seconds, "one_page_pdf", baseline_seconds, same)
    result["pages"] = len(PdfReader(io.BytesIO(made["minutes"])).pages)
    return result


def secrets_suffix() -> str:
    return f"{time.time_ns():x}"


def _start_gunicorn(stack: ExitStack, workers: int) -> tuple[str, object, int]:
    log = stack.enter_context(tempfile.TemporaryFile("w+", prefix="kc-gunicorn-"))  # noqa: SIM115
    base_url, pid = start_gunicorn(
        stack, workers=workers, timeout=120, env=child_environment(), log=log
    )
    return base_url, log, pid


def _wrk(wrk: str, url: str, cookies: Path, *, clients: int, seconds: int, think_ms: int) -> dict:
    result = subprocess.run(  # noqa: S603
        [
            wrk,
            "-t2",
            f"-c{clients}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(WRK_SCRIPT),
            url,
            "--",
            str(cookies),
            str(think_ms),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("WRK_JSON "))
    figures = json.loads(line.removeprefix("WRK_JSON "))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1_000_000)
    figures["errors"] = (
        sum(figures[key] for key in ("connect_errors", "read_errors", "write_errors", "timeouts"))
        + figures["non2xx"]
    )
    return figures


def _workers_cpu_seconds(master: int) -> float:
    """The CPU time (user and system) the gunicorn workers have used so far: with the
    requests served, the cost of a request whatever else the machine is doing. PostgreSQL's
    own processes are not counted."""
    ticks = 0
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15
    return ticks / os.sysconf("SC_CLK_TCK")


def _http_result(name: str, page: dict, bare: dict) -> dict:
    result = _result(
        name, page["p95_ms"] / 1000, "bare_view_healthz", bare["p95_ms"] / 1000, page["errors"] == 0
    )
    result.update(
        p95_ms=page["p95_ms"],
        p50_ms=page["p50_ms"],
        p99_ms=page["p99_ms"],
        requests=page["requests"],
        requests_per_second=round(page["rps"], 1),
        errors=page["errors"],
        baseline_p95_ms=bare["p95_ms"],
        baseline_requests_per_second=round(bare["rps"], 1),
        baseline_errors=bare["errors"],
        cpu_ms_per_request=page["cpu_ms"],
        baseline_cpu_ms_per_request=bare["cpu_ms"],
    )
    return result


def case_http(
    period: Period, *, clients: int, seconds: int, think_ms: int, workers: int
) -> list[dict]:
    """`clients` signed-in clients (50; 4 at the tiny scale) for `seconds` against gunicorn on
    127.0.0.1, on the inspector's new-record page and the council's list, each beside /healthz
    on the same server with the same sessions (a view that reads the session and the user, and
    runs SELECT 1).

    Each client waits `think_ms` between an answer and its next request (0: as fast as it can)."""
    wrk = need_wrk()
    _collect_static()
    inspector, visit = _inspector_visit()
    council = _user("bench-council", Role.COUNCIL)
    pages = {
        "http_inspector": (inspector, reverse("inspections:record_new", args=[visit])),
        "http_council": (council, reverse("emulation:period", kwargs={"code": period.code})),
    }
    results = []
    with ExitStack() as stack:
        base_url, log, master = _start_gunicorn(stack, workers)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kc-wrk-")))
        for name, (user, path) in pages.items():
            cookies = folder / f"{name}.txt"
            cookies.write_text("\n".join(_sessions(user, clients)) + "\n")
            for address in (path, "/healthz"):  # each page answers, and warms up the workers
                first_client = cookies.read_text().split()[0]
                url = f"{base_url}{address}"
                request = urllib.request.Request(url, headers={"Cookie": first_client})  # noqa: S310
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                        answered = response.status == 200 and response.url == url
                except urllib.error.HTTPError:
                    answered = False
                if not answered:
                    log.seek(0)
                    raise RuntimeError(f"{address} failed for {name}:\n{log.read()}")
                # Every worker, not only the one that answered: its first request compiles
                # the templates, reads the translations and opens its connections, once a
                # process, which is not what a request costs.
                _wrk(wrk, url, cookies, clients=clients, seconds=1, think_ms=think_ms)
            figures = {}
            for order, address in enumerate((path, "/healthz")):
                _drain(base_url, workers)
                cpu_before = _workers_cpu_seconds(master)
                figures[order] = _wrk(
                    wrk,
                    f"{base_url}{address}",
                    cookies,
                    clients=clients,
                    seconds=seconds,
                    think_ms=think_ms,
                )
                cpu = _workers_cpu_seconds(master) - cpu_before
                figures[order]["cpu_ms"] = round(1000 * cpu / max(figures[order]["requests"], 1), 1)
            results.append(_http_result(name, figures[0], figures[1]))
    return results


# --- phone_first_load ------------------------------------------------------------------------

# gunicorn's access log, one line a request: what crossed the network, counted on the server
# (the page's own requests, the service worker's and offline.js's alike, each once).
ACCESS_MARK = "KC-ACCESS"
ACCESS_CONFIG = f"""
accesslog = "-"
access_log_format = "{ACCESS_MARK} %(m)s %(U)s %(s)s %(B)s"
"""
OFFLINE_SCRIPT = "**/js/offline*.js"


def _served(log) -> list[tuple[str, int, int]]:
    """Every request in the access log so far: (path, status, response body bytes)."""
    log.flush()
    log.seek(0)
    served = []
    for line in log.read().splitlines():
        if not line.startswith(ACCESS_MARK):
            continue
        _mark, _method, path, status, length = line.split()
        served.append((path, int(status), 0 if length == "-" else int(length)))
    return served


def _first_load(browser, *, base_url: str, cookie: str, path: str, keep: bool, log) -> dict:
    """A phone's first visit (a new profile: empty cache, no service worker yet) to `path`:
    with `keep`, timed until offline.js says the visit is kept on the phone; without, with the
    offline script held back (the page as it loads by itself), timed until its load event.
    Requests are counted once the network is idle."""
    name, value = cookie.split("=", 1)
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN")
    try:
        context.add_cookies([{"name": name, "value": value, "url": base_url}])
        page = context.new_page()
        if not keep:
            page.route(OFFLINE_SCRIPT, lambda route: route.abort())
        before = len(_served(log))
        started = time.perf_counter()
        answer = page.goto(f"{base_url}{path}")
        if keep:
            page.wait_for_selector("html[data-offline=ready]", state="attached", timeout=120_000)
        seconds = time.perf_counter() - started  # the page alone: until its load event
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)  # a last line of the access log
        served = _served(log)[before:]
    finally:
        context.close()
    return {
        "seconds": seconds,
        "ok": answer is not None and answer.status == 200 and all(s < 400 for _p, s, _b in served),
        "requests": len(served),
        "bytes": sum(length for _path, _status, length in served),
        "paths": sorted({path for path, _status, _length in served}),
    }


def case_phone_first_load(repeats: int) -> dict:
    """An inspector's phone (Chromium at 360 x 740) opening a visit for the first time, against
    gunicorn: the page and everything offline.js keeps for work without a network (the visit's
    pages, their static files, the QR decoder, the service worker, the unit's roster), in
    response bytes and requests as the server sent them; beside the same page loaded without
    the offline script, as the phone loaded it before it kept anything."""
    if not shutil.which(CHROMIUM):
        raise RuntimeError(f"phone_first_load needs Debian's Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    _collect_static()
    inspector, visit = _inspector_visit()
    cookie = _sessions(inspector, 1)[0]
    path = reverse("inspections:visit_detail", args=[visit])
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kc-phone-")))
        config = folder / "gunicorn.conf.py"
        config.write_text(ACCESS_CONFIG, encoding="utf-8")
        log = stack.enter_context(tempfile.TemporaryFile("w+", prefix="kc-gunicorn-"))
        base_url, _pid = start_gunicorn(
            stack, workers=2, timeout=120, env=child_environment(), log=log, config=config
        )

        def phone_loads() -> dict[bool, list]:
            loads = {True: [], False: []}
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
                try:
                    for _ in range(repeats):
                        for keep in (True, False):
                            loads[keep].append(
                                _first_load(
                                    browser,
                                    base_url=base_url,
                                    cookie=cookie,
                                    path=path,
                                    keep=keep,
                                    log=log,
                                )
                            )
                finally:
                    browser.close()
            return loads

        # In a thread of its own: Playwright's sync API refuses a thread where another
        # Playwright (the browser tests', when the test suite runs this case) already runs.
        with ThreadPoolExecutor(max_workers=1) as thread:
            loads = thread.submit(phone_loads).result()
    kept, bare = loads[True][0], loads[False][0]
    same = all(load["ok"] for load in loads[True] + loads[False]) and any(
        "roster.json" in served for served in kept["paths"]
    )
    result = _result(
        "phone_first_load",
        statistics.median(load["seconds"] for load in loads[True]),
        "visit_page_alone",
        statistics.median(load["seconds"] for load in loads[False]),
        same,
    )
    result.update(
        bytes=kept["bytes"],
        requests=kept["requests"],
        baseline_bytes=bare["bytes"],
        baseline_requests=bare["requests"],
    )
    return result


CASE_GROUPS = [
    "eligibility_period",
    "eligibility_person",
    "eligibility_naive",
    "council_list",
    "export_csv",
    "minutes_pdf",
    "council_list_pdf",
    "import_staff_xlsx",
    "large_unit",
    "phone_first_load",
    "http",
]


def run_cases(
    *,
    scale: Scale,
    period: Period,
    http_seconds: int = 30,
    think_ms: int = 0,
    workers: int = 4,
    only: list[str] | None = None,
) -> dict:
    rows = row_counts(period)  # as generated, before the cases add their few records
    try:
        results = _measure(scale, period, http_seconds, think_ms, workers, only or CASE_GROUPS)
    finally:
        if connection.in_atomic_block:  # run the deferred checks before DROP
            _execute("SET CONSTRAINTS ALL IMMEDIATE")
        _execute(f"DROP TABLE IF EXISTS {BASELINE_REASONS}, {BASELINE_TABLE}, {BASELINE_COUNTS}")
    return {"scale": scale.name, "rows": rows, "results": results, "goals": goals(results)}


# --- Goals -------------------------------------------------------------------------------------

# (goal's name, case, the figure read from the case's result, "max" or "min", limit). The
# names say which way the limit goes, since the JSON carries only figure, limit and holds.
GOALS = [
    (
        "http_inspector: worker CPU per request, times the bare view's, at most",
        "http_inspector",
        lambda result: result["cpu_ms_per_request"] / result["baseline_cpu_ms_per_request"],
        "max",
        2.5,
    ),
    (
        "http_council: worker CPU per request, times the bare view's, at most",
        "http_council",
        lambda result: result["cpu_ms_per_request"] / result["baseline_cpu_ms_per_request"],
        "max",
        3.0,
    ),
    (
        "http_inspector: errors, at most",
        "http_inspector",
        lambda result: result["errors"],
        "max",
        0,
    ),
    ("http_council: errors, at most", "http_council", lambda result: result["errors"], "max", 0),
    (
        "eligibility_period: ratio to the hand-written SQL, at most",
        "eligibility_period",
        lambda result: result["ratio"],
        "max",
        1.5,
    ),
    (
        "eligibility_person: milliseconds, at most",
        "eligibility_person",
        lambda result: result["seconds"] * 1000,
        "max",
        20.0,
    ),
    (
        "eligibility_naive: times slower than eligibility_period, at least",
        "eligibility_naive",
        lambda result: result["ratio"],
        "min",
        100.0,
    ),
    (
        "council_list_last: times the first page, at most",
        "council_list_last",
        lambda result: result["ratio"],
        "max",
        2.0,
    ),
    (
        "export_csv: ratio to COPY, at most",
        "export_csv",
        lambda result: result["ratio"],
        "max",
        2.0,
    ),
    (
        "minutes_pdf: seconds, at most",
        "minutes_pdf",
        lambda result: result["seconds"],
        "max",
        0.5,
    ),
    (
        "council_list_pdf: seconds, at most",
        "council_list_pdf",
        lambda result: result["seconds"],
        "max",
        3.0,
    ),
    (
        "import_staff_xlsx: seconds, at most",
        "import_staff_xlsx",
        lambda result: result["seconds"],
        "max",
        10.0,
    ),
    (
        "large_unit_staff_posted_to: seconds, at most",
        "large_unit_staff_posted_to",
        lambda result: result["seconds"],
        "max",
        1.0,
    ),
    (
        "large_unit_roll_call: times the small unit's page, at most",
        "large_unit_roll_call",
        lambda result: result["ratio"],
        "max",
        2.0,
    ),
    (
        "large_unit_record_new: times the small unit's page, at most",
        "large_unit_record_new",
        lambda result: result["ratio"],
        "max",
        2.0,
    ),
]


def goals(results: list[dict]) -> list[dict]:
    """Each goal beside its figure from this run, and whether it holds; a case that did not
    give its figure (a ratio over a zero) misses. Goals of cases left out (`--only`) are left
    out too."""
    by_name = {result["name"]: result for result in results}
    checked = []
    for name, case, figure_of, direction, limit in GOALS:
        if case not in by_name:
            continue
        try:
            figure = round(float(figure_of(by_name[case])), 3)
        except (KeyError, TypeError, ZeroDivisionError):
            figure = None
        holds = figure is not None and (figure <= limit if direction == "max" else figure >= limit)
        checked.append({"name": name, "figure": figure, "limit": limit, "holds": holds})
    return checked


def _measure(scale, period, http_seconds, think_ms, workers, only) -> list[dict]:
    """Every case of `only` in turn, each one's wall-clock time printed as it ends (a national
    run is long: the log shows where it is)."""
    results: list[dict] = []
    if "eligibility_naive" in only and "eligibility_period" not in only:
        only = ["eligibility_period", *only]  # the naive loop is measured against it

    def run(name, action):
        if name not in only:
            return
        started = time.perf_counter()
        outcome = action()
        results.extend(outcome if isinstance(outcome, list) else [outcome])
        print(f"  {name}: {time.perf_counter() - started:,.1f} s", flush=True)

    run("eligibility_period", lambda: case_eligibility_period(period, scale.repeats))
    run("eligibility_person", lambda: case_eligibility_person(period, max(scale.repeats, 5)))
    # Once: 5,000 iterations are already many measurements, and three runs took most of a
    # province run on a loaded machine (the figure only has to show the 100x gap).
    run("eligibility_naive", lambda: case_eligibility_naive(period, 1, results[0]))
    run("council_list", lambda: case_council_list(period, max(scale.repeats, 5)))
    run("export_csv", lambda: case_export_csv(period, min(scale.repeats, 3)))
    run("minutes_pdf", lambda: case_minutes_pdf(max(scale.repeats, 5)))
    run("council_list_pdf", lambda: case_council_list_pdf(period, min(scale.repeats, 3)))
    run("import_staff_xlsx", lambda: case_import_staff(scale, min(scale.repeats, 3)))
    run("large_unit", lambda: case_large_unit(scale, max(scale.repeats, 5)))
    run("phone_first_load", lambda: case_phone_first_load(min(scale.repeats, 3)))
    run(
        "http",
        lambda: case_http(
            period,
            clients=scale.http_clients,
            seconds=http_seconds,
            think_ms=think_ms,
            workers=workers,
        ),
    )
    return results


# --- Reporting -------------------------------------------------------------------------------


def _time(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _notes(result: dict) -> str:
    if "baseline_bytes" in result:
        return (
            f"{result['bytes'] / 1e3:,.1f} kB in {result['requests']} requests "
            f"(the page alone: {result['baseline_bytes'] / 1e3:,.1f} kB in "
            f"{result['baseline_requests']})"
        )
    if "requests_per_second" in result:
        return (
            f"p95; {result['requests_per_second']:,.0f} req/s, {result['errors']} errors, "
            f"{result['cpu_ms_per_request']:,.1f} ms CPU a request "
            f"(bare: {result['baseline_requests_per_second']:,.0f} req/s, "
            f"{result['baseline_cpu_ms_per_request']:,.1f} ms CPU)"
        )
    if "command_peak_rss_bytes" in result:
        peak = result["command_peak_rss_bytes"] / 2**20
        return f"{result['bytes'] / 1e6:,.1f} MB; the command's peak RSS {peak:,.0f} MiB"
    if "pages" in result:
        return f"{result['pages']} pages; goal ≤ 0.5 s"
    if "pdf_pages" in result:
        return (
            f"{result['pdf_rows']:,} rows, {result['pdf_pages']} pages, "
            f"{result['pdf_bytes'] / 1e6:,.1f} MB"
        )
    if "file_bytes" in result:
        return f"{result['rows']:,} rows, {result['file_bytes'] / 1e6:,.1f} MB XLSX"
    if "people" in result:
        return f"{result['people']:,} people in the unit"
    if "verdicts_only_seconds" in result:
        return f"the verdicts alone by hand: {_time(result['verdicts_only_seconds'])}"
    return ""


def table(report: dict) -> str:
    rows = report["rows"]
    width = max(len(result["name"]) for result in report["results"])
    lines = [
        f"scale {report['scale']}: {rows['units']:,} units, {rows['staff']:,} staff, "
        f"{rows['violations']:,} violation records, {rows['decisions']:,} discipline decisions, "
        f"{rows['nominations']:,} nominations ({rows['collective_nominations']:,} collective)",
        "",
        f"{'case':<{width}} {'median':>12}  {'baseline':<27} {'median':>12} {'ratio':>9}  "
        "same  notes",
    ]
    for result in report["results"]:
        ratio = "" if result["ratio"] is None else f"{result['ratio']:,.2f}"
        lines.append(
            f"{result['name']:<{width}} {_time(result['seconds']):>12}  {result['baseline']:<27} "
            f"{_time(result['baseline_seconds']):>12} {ratio:>9}  "
            f"{'yes' if result['same_result'] else 'NO ':<4}  {_notes(result)}".rstrip()
        )
    if report.get("goals"):
        width = max(len(goal["name"]) for goal in report["goals"])
        lines += ["", f"{'goal':<{width}} {'figure':>10} {'limit':>8}"]
        for goal in report["goals"]:
            figure = "—" if goal["figure"] is None else f"{goal['figure']:,.2f}"
            verdict = "holds" if goal["holds"] else "misses"
            lines.append(f"{goal['name']:<{width}} {figure:>10} {goal['limit']:>8,}  {verdict}")
    return "\n".join(lines)


def write_json(report: dict, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{report['scale']}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return path


def load_average() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} CPUs"
