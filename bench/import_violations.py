"""Benchmark (not a test): import_violations of 10,000 records over 1,000 staff.

    DATABASE_URL=postgres://... .venv/bin/python bench/import_violations.py [--rows N] [--staff N]

Runs against the database DATABASE_URL names (migrating it first), all inside one transaction
that is rolled back at the end: audit entries cannot be deleted on PostgreSQL, so nothing is
left behind. Sets up a calendar-year period with one nomination per person, then prints the
time of the import (records, their audit entries, the period's evaluation), the number of
statements, and the time of importing the same file again.
"""

import argparse
import datetime
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "localhost")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

import django

django.setup()

from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from emulation.models import Nomination, Period, Title, Verdict
from inspections.audit import verify_chain
from inspections.imports import violations_import
from personnel.models import Posting, Staff, Unit, UnitKind

PREFIX = "BENCH-"
TYPES = ["no_badge", "late_or_early_leave", "absent_without_reason", "improper_conduct"]
STATUSES = ["confirmed", "submitted", "dismissed"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--staff", type=int, default=1_000)
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory() as folder, transaction.atomic():
        path = Path(folder) / "violations.csv"
        unit = Unit.objects.create(code=f"{PREFIX}U", name="Bench", kind=UnitKind.WARD)
        people = Staff.objects.bulk_create(
            Staff(code=f"{PREFIX}{n:05}", full_name=f"Bench {n}", category="cong_chuc")
            for n in range(options.staff)
        )
        Posting.objects.bulk_create(Posting(staff=person, unit=unit) for person in people)
        period = Period.objects.create(
            code=f"{PREFIX}2019",
            name="Bench",
            starts_on=datetime.date(2019, 1, 1),
            ends_on=datetime.date(2019, 12, 31),
        )
        title = Title.objects.get(code="lao_dong_tien_tien")
        Nomination.objects.bulk_create(
            Nomination(period=period, staff=person, title=title, unit=unit) for person in people
        )
        lines = ["record_no,staff_code,occurred_at,type,status,description"]
        for n in range(options.rows):
            day = datetime.date(2019, 1, 1) + datetime.timedelta(days=n % 365)
            lines.append(
                f"{PREFIX}BB-{n},{PREFIX}{n % options.staff:05},{day}T08:{n % 60:02}:00,"
                f"{TYPES[n % 4]},{STATUSES[n % 3]},Biên bản số {n}"
            )
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = violations_import(path=path)
            first = time.perf_counter() - started
        assert result.written and result.created == options.rows, result.problems[:5]
        started = time.perf_counter()
        again = violations_import(path=path)
        second = time.perf_counter() - started
        assert again.unchanged == options.rows
        checked, broken = verify_chain()
        assert broken is None
        print(
            f"{connection.vendor}: {options.rows} records over {options.staff} staff: "
            f"import {first:.2f} s in {len(queries)} statements; same file again {second:.2f} s; "
            f"{Verdict.objects.filter(nomination__period=period).count()} verdicts; "
            f"audit chain of {checked} entries verified"
        )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
