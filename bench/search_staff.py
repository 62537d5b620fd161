"""On-site search at province scale: 60,000 staff in 1,500 units.

Run against a scratch database it fills (not a test; `make bench` runs the suite):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_bench_search \\
        DEBUG=true .venv/bin/python bench/search_staff.py
It migrates the database, loads the staff once with bulk inserts, then prints the median of
five runs of each query, through the selector and through the staff list page.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from personnel.models import Posting, Staff, Unit, User
from personnel.search import staff_search_text
from personnel.selectors import staff_search

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Quốc", "Thanh", "Ngọc", "Hữu", "Xuân", "Thu"]
GIVEN = [
    "Hùng",
    "Hưng",
    "Lan",
    "Mai",
    "Đức",
    "Tuấn",
    "Hương",
    "Dũng",
    "Hà",
    "Phương",
    "Bình",
    "Sơn",
]
STAFF, UNITS = 60_000, 1_500


def load():
    if Staff.objects.count() >= STAFF:
        return
    rng = random.Random(2019)
    units = Unit.objects.bulk_create(
        Unit(code=f"U{index:04d}", name=f"Đơn vị {index}", kind="ward") for index in range(UNITS)
    )
    people = []
    for index in range(STAFF):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        badge = f"U{index % UNITS:04d}.{rng.randrange(10**11, 10**12)}.CC"
        people.append(
            Staff(
                code=f"S{index:06d}",
                full_name=name,
                category="cong_chuc",
                badge_number=badge,
                search_text=staff_search_text(name, badge),
            )
        )
    people = Staff.objects.bulk_create(people, batch_size=5000)
    Posting.objects.bulk_create(
        (Posting(staff=person, unit=units[index % UNITS]) for index, person in enumerate(people)),
        batch_size=5000,
    )


def median_seconds(action, runs=5):
    timings = []
    for _run in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main():
    call_command("migrate", verbosity=0)
    load()
    today = timezone.localdate()
    unit = Unit.objects.get(code="U0042")
    reviewer, _created = User.objects.get_or_create(username="bench", is_superuser=True)
    client = Client()
    client.force_login(reviewer)
    print(f"{Staff.objects.count():,} staff in {Unit.objects.count():,} units")
    for query in ["nguyen van hung", "hùng", "NVH", "dang duc", "001088", "xyz khong co"]:
        selector = median_seconds(
            lambda query=query: list(staff_search(query=query, current_unit=unit, day=today)[:50])
        )
        page = median_seconds(
            lambda query=query: client.get("/personnel/staff/", {"q": query, "unit": ""})
        )
        print(f"{query!r:>18}: selector {selector * 1000:7.1f} ms, page {page * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
