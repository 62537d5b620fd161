"""Where a page's time goes: the inspector's new-record page and the council's period page.

    DATABASE_URL=postgres://user@host:5432/name .venv/bin/python bench/profile_pages.py \
        [--scale province] [--requests 50]

Like bench/run.py it works in a scratch database next to the one DATABASE_URL names
(name_bench_profile), filled by the benchmark's generator and evaluated once, and drops it at
the end. Each page is requested through the test client under cProfile (after two warm-up
requests), and the time is split by the functions that own it: the whole request, the
middleware around the view, the session, the user, the SQL statements (round trips included),
the view, the template, the forms' rendering. cProfile slows Python down, not the database:
the shares are what to read, not the milliseconds. Before profiling, the same requests are
timed in CPU alone (this process's, without the profiler).
"""

import argparse
import cProfile
import pstats
import sys
import time
import warnings
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from bench.run import SCALE_NAMES, in_scratch_database

# (what, file path ending, function name): cumulative time of each, per request.
PARTS = [
    ("whole request", "django/core/handlers/base.py", "get_response"),
    ("view and template, inside the middleware", "django/core/handlers/base.py", "_get_response"),
    ("session read", "django/contrib/sessions/backends/base.py", "_get_session"),
    ("user read", "django/contrib/auth/__init__.py", "get_user"),
    ("SQL statements", "django/db/backends/utils.py", "_execute"),
    ("template rendering", "django/template/backends/django.py", "render"),
    ("forms' rendering", "django/forms/utils.py", "render"),
    ("forms' widgets", "django/forms/boundfield.py", "as_widget"),
    ("forms' labels", "django/forms/boundfield.py", "label_tag"),
    ("url reversals", "django/urls/base.py", "reverse"),
    ("translations", "django/utils/translation/trans_real.py", "gettext"),
]


def _cumulative(stats: pstats.Stats, ending: str, name: str) -> tuple[float, int]:
    seconds, calls = 0.0, 0
    for (filename, _line, function), row in stats.stats.items():
        if function == name and filename.endswith(ending):
            calls += row[0]
            seconds += row[3]
    return seconds, calls


def profile_page(client, url: str, requests: int, view: tuple[str, str], top: int = 0) -> list[str]:
    from django.db import connection

    for _ in range(2):
        assert client.get(url).status_code == 200, url
    # This process's CPU time a request without the profiler: what a worker spends on it,
    # the database's work not counted (the bench's HTTP cases measure the same).
    cpu_started = time.process_time()
    for _ in range(requests):
        client.get(url)
    cpu = (time.process_time() - cpu_started) / requests
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    profiler = cProfile.Profile()
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        profiler.enable()
        for _ in range(requests):
            client.get(url)
        profiler.disable()
        elapsed = time.perf_counter() - started
    stats = pstats.Stats(profiler)
    lines = [
        f"{url}: {1000 * elapsed / requests:.1f} ms a request under cProfile, "
        f"{len(statements) / requests:.0f} statements a request; "
        f"{1000 * cpu:.1f} ms of CPU a request without the profiler"
    ]
    whole = _cumulative(stats, *PARTS[0][1:])[0]
    for label, ending, name in [*PARTS, ("the view", *view)]:
        seconds, calls = _cumulative(stats, ending, name)
        lines.append(
            f"  {label:<42} {1000 * seconds / requests:7.1f} ms  {100 * seconds / whole:5.1f}%"
            f"  ({calls / requests:.0f} calls)"
        )
    inner = _cumulative(stats, *PARTS[1][1:])[0]
    lines.append(
        f"  {'middleware (whole less inside)':<42} {1000 * (whole - inner) / requests:7.1f} ms"
    )
    if top:
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALE_NAMES, default="province")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--top", type=int, default=0, help="also print the N costliest functions")
    arguments = parser.parse_args()
    in_scratch_database("profile", keep=arguments.keep, action=lambda: run(arguments))


def run(arguments) -> None:
    import django

    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from bench import suite
    from emulation.services import evaluate_period
    from personnel.models import Role

    call_command("migrate", verbosity=0)
    period = suite.generate(suite.SCALES[arguments.scale])
    evaluate_period(period=period)
    # As the bench does before its page cases, and autovacuum would after these writes.
    suite._execute("ANALYZE emulation_nomination, emulation_verdict, emulation_verdictreason")
    print(suite.load_average())
    inspector, visit = suite._inspector_visit()
    council = suite._user("bench-council", Role.COUNCIL)
    pages = [
        (
            inspector,
            reverse("inspections:record_new", args=[visit]),
            ("inspections/views.py", "record_new"),
        ),
        (
            council,
            reverse("emulation:period", kwargs={"code": period.code}),
            ("emulation/views.py", "period_detail"),
        ),
        (council, "/healthz", ("portal/views.py", "healthz")),
    ]
    with override_settings(STORAGES=suite.PLAIN_STATIC):
        for user, url, view in pages:
            client = Client()
            client.force_login(user)
            print("\n".join(profile_page(client, url, arguments.requests, view, arguments.top)))
    print(suite.load_average())


if __name__ == "__main__":
    main()
