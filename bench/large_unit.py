"""One ward of 15,000 people, on SQLite or PostgreSQL: the unit's list and the inspector's pages.

Run against a scratch database it fills (not a test; `make bench` runs the suite, whose
`large_unit_*` cases measure the same pages on PostgreSQL):
    DATABASE_URL=sqlite:////tmp/kc-large-unit.sqlite3 .venv/bin/python bench/large_unit.py
It migrates the database, loads once a ward of 15,000 people (one in 50 transferred into it
this year; one in 100 more who left it last year) beside 40 units of 50, then prints the
median of a few runs of `staff_posted_to` read to the end, of the roll call page and of the
new-record page (without and with a search), through the Django test client.
"""

import argparse
import datetime
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

import django

django.setup()

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from inspections.models import Visit
from inspections.services import round_create, visit_start
from personnel.models import Posting, Role, Staff, Unit, UnitKind, User
from personnel.search import staff_search_text
from personnel.selectors import staff_posted_to

PREFIX = "LU-"
OTHER_UNITS, OTHER_STAFF = 40, 50
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Quốc", "Thanh", "Ngọc", "Hữu", "Xuân", "Thu"]
GIVEN = ["Hùng", "Hưng", "Lan", "Mai", "Đức", "Tuấn", "Hương", "Dũng", "Hà", "Phương", "Sơn"]
# Production settings serve static files through the collected manifest, absent here.
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def name_of(index: int) -> str:
    family, middle, given = FAMILY[index % 12], MIDDLE[index // 12 % 10], GIVEN[index // 120 % 11]
    return f"{family} {middle} {given} {index // 1320}"


def load(people: int) -> Visit:
    """The ward, the other units, their people and postings, and an inspector's visit."""
    ward, created = Unit.objects.get_or_create(
        code=f"{PREFIX}WARD", defaults={"name": "Phường Lớn", "kind": UnitKind.WARD}
    )
    if created:
        others = Unit.objects.bulk_create(
            Unit(code=f"{PREFIX}U{index:02d}", name=f"Đơn vị {index}", kind=UnitKind.WARD)
            for index in range(OTHER_UNITS)
        )
        gone = people // 100
        total = people + gone + OTHER_UNITS * OTHER_STAFF
        staff = Staff.objects.bulk_create(
            (
                Staff(
                    code=f"{PREFIX}{index:06d}",
                    full_name=name_of(index),
                    category="cong_chuc",
                    search_text=staff_search_text(name_of(index)),
                )
                for index in range(total)
            ),
            batch_size=2000,
        )
        transferred = datetime.date(timezone.localdate().year, 1, 1)
        last_year = transferred - datetime.timedelta(days=1)

        def postings():
            for index, person in enumerate(staff):
                elsewhere = others[index % OTHER_UNITS]
                if index >= people + gone:
                    yield Posting(staff=person, unit=elsewhere)
                elif index >= people:
                    yield Posting(staff=person, unit=ward, ends_on=last_year)
                elif index % 50 == 25:
                    yield Posting(staff=person, unit=elsewhere, ends_on=last_year)
                    yield Posting(staff=person, unit=ward, starts_on=transferred)
                else:
                    yield Posting(staff=person, unit=ward)

        Posting.objects.bulk_create(postings(), batch_size=2000)
    inspector, _created = User.objects.get_or_create(username=f"{PREFIX}inspector")
    inspector.groups.add(Group.objects.get_or_create(name=Role.INSPECTOR)[0])
    visit = Visit.objects.filter(unit=ward, round__lead=inspector).first()
    if visit is None:
        today = timezone.localdate()
        inspection_round = round_create(
            code=f"{PREFIX}ROUND",
            name="Kiểm tra đột xuất (bench)",
            kind="surprise",
            starts_on=today,
            ends_on=today + datetime.timedelta(days=365),
            lead=inspector,
            members=[],
            units=[ward],
        )
        visit = visit_start(inspection_round=inspection_round, unit=ward, actor=inspector)
    return visit


def median_seconds(action, runs: int) -> float:
    timings = []
    for _run in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=15_000)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    call_command("migrate", verbosity=0)
    visit = load(arguments.people)
    today = timezone.localdate()
    client = Client()
    client.force_login(visit.round.lead)
    posted = staff_posted_to(unit=visit.unit, day=today).count()
    print(
        f"{connection.vendor}: {posted:,} people posted to {visit.unit.name} today, "
        f"{Staff.objects.count():,} staff in {Unit.objects.count():,} units; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )

    def page(address, **query):
        response = client.get(address, query)
        assert response.status_code == 200, response.status_code
        return response

    roll_call = reverse("inspections:roll_call", args=[visit.pk])
    record_new = reverse("inspections:record_new", args=[visit.pk])
    cases = [
        ("staff_posted_to, whole unit", lambda: list(staff_posted_to(unit=visit.unit, day=today))),
        ("roll call page", lambda: page(roll_call)),
        ("new-record page", lambda: page(record_new)),
        ("new-record page, ?q=nguyen van hung", lambda: page(record_new, q="nguyen van hung")),
    ]
    with override_settings(STORAGES=PLAIN_STATIC):
        for name, action in cases:
            seconds = median_seconds(action, arguments.runs)
            print(
                f"{name:>40}: {seconds * 1000:10,.1f} ms (median of {arguments.runs})", flush=True
            )


if __name__ == "__main__":
    main()
