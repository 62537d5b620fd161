"""Benchmark (not a test): import_staff on an XLSX of 100,000 staff over ~1,500 units.

    DATABASE_URL=postgres://... .venv/bin/python bench/import_staff.py [--rows N] [--units N]

Runs against the database DATABASE_URL names (migrating it first) and touches only units and
staff whose codes start with BENCH-, which it removes at the end. Prints the time of a whole
import into an empty roster, its split (reading the file, checking, writing), and the time of
importing the same file again. Generating the file is not timed. Goal: under 10 seconds.
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
# Production settings: DEBUG would keep every SQL statement in memory and skew the figures.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "localhost")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

import django

django.setup()

from django.core.management import call_command
from django.db import transaction
from openpyxl import Workbook

from core.tabular import read_table
from personnel.imports import (
    STAFF_COLUMNS,
    _plan_staff,
    _write_staff,
    staff_import,
)
from personnel.models import Posting, Staff, Unit, UnitKind
from tests.excel_files import write_excel_style

PREFIX = "BENCH-"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang"]
GIVEN = ["Hùng", "Hoa", "Nam", "Lan", "Đào", "Tú", "Dũng", "Hương", "Sơn", "Thảo", "Long"]
CATEGORIES = ["can_bo", "cong_chuc", "vien_chuc", "nguoi_lao_dong"]


def clean() -> None:
    Posting.objects.filter(staff__code__startswith=PREFIX).delete()
    Staff.objects.filter(code__startswith=PREFIX).delete()


def make_units(count: int) -> list[str]:
    Unit.objects.filter(code__startswith=PREFIX).delete()
    codes = [f"{PREFIX}U{number:04}" for number in range(count)]
    Unit.objects.bulk_create(
        [Unit(code=code, name=f"Đơn vị {code}", kind=UnitKind.WARD) for code in codes],
        batch_size=2000,
    )
    return codes


def staff_rows(*, rows: int, units: list[str]):
    yield [column.header for column in STAFF_COLUMNS]
    for number in range(rows):
        name = f"{FAMILY[number % 10]} {MIDDLE[number // 10 % 8]} {GIVEN[number // 80 % 11]}"
        unit = units[number % len(units)]
        yield [
            f"{PREFIX}S{number:06}",
            name,
            unit,
            CATEGORIES[number % 4],
            "Chuyên viên" if number % 3 else None,
            f"{unit}.{number:012}.CC",
            datetime.date(2000 + number % 24, 1 + number % 12, 1 + number % 28),  # a date cell
            f"{1 + number % 28:02}/03/2024" if number % 2 else None,
        ]


def write_openpyxl_file(path: Path, *, rows: int, units: list[str]) -> None:
    """As openpyxl writes it: every text inline in its cell."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in staff_rows(rows=rows, units=units):
        sheet.append(row)
    workbook.save(path)


def write_excel_file(path: Path, *, rows: int, units: list[str]) -> None:
    """As Excel writes it: texts in the shared strings table, dates as serials styled as dates."""
    write_excel_style(path, staff_rows(rows=rows, units=units))


def timed(action):
    """The action's value, and its wall-clock seconds; the CPU seconds go to CPU_SECONDS."""
    started, cpu_started = time.perf_counter(), time.process_time()
    value = action()
    CPU_SECONDS.append(time.process_time() - cpu_started)
    return value, time.perf_counter() - started


CPU_SECONDS: list[float] = []


def cpu() -> str:
    return f"{CPU_SECONDS[-1]:.2f} s CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=1_500)
    parser.add_argument(
        "--writer",
        choices=["excel", "openpyxl"],
        default="excel",
        help="excel: shared strings, as Excel saves; openpyxl: inline strings",
    )
    arguments = parser.parse_args()

    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    call_command("migrate", verbosity=0)
    clean()
    units = make_units(arguments.units)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "staff.xlsx"
        write = write_excel_file if arguments.writer == "excel" else write_openpyxl_file
        _, generation = timed(lambda: write(path, rows=arguments.rows, units=units))
        size = path.stat().st_size / 1e6
        print(f"file ({arguments.writer}): {arguments.rows} rows, {len(units)} units, "
              f"{size:.1f} MB, "
              f"generated in {generation:.1f} s (not counted)")  # fmt: skip

        result, total = timed(lambda: staff_import(path=path))
        assert not result.problems, result.problems[:5]
        print(f"import_staff, empty roster: {total:.2f} s ({cpu()} in this process; "
              f"{result.created} created, {result.updated} updated)")  # fmt: skip

        clean()
        today = datetime.date.today()
        table, reading = timed(lambda: read_table(path, columns=STAFF_COLUMNS))
        reading_cpu = cpu()
        with transaction.atomic():
            (_plan, writes), checking = timed(lambda: _plan_staff(table, today=today))
            checking_cpu = cpu()
            _, writing = timed(lambda: _write_staff(writes))
        print(f"  split: reading {reading:.2f} s ({reading_cpu}), "
              f"checking {checking:.2f} s ({checking_cpu}), "
              f"writing {writing:.2f} s ({cpu()})")  # fmt: skip

        again, second = timed(lambda: staff_import(path=path))
        print(f"import_staff, same file again: {second:.2f} s ({cpu()}; "
              f"{again.created} created, {again.updated} updated, "
              f"{again.unchanged} unchanged)")  # fmt: skip
    clean()
    Unit.objects.filter(code__startswith=PREFIX).delete()


if __name__ == "__main__":
    main()
