"""The benchmark suite: `make bench SCALE=city|province|national`.

    DATABASE_URL=postgres://user@host:5432/name .venv/bin/python bench/run.py --scale city

Creates a scratch database next to the one DATABASE_URL names (name_bench_SCALE), never
touching that one otherwise; migrates it, fills it with COPY, measures each case beside its
baseline, prints the table, writes var/bench/SCALE.json and drops the scratch database.
"""

import argparse
import os
import secrets
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

import psycopg
import redis
from psycopg import sql

SCALE_NAMES = ["tiny", "city", "province", "national"]
# Database 6 of the local Redis: the tests' two servers use 7.
BENCH_CACHE_URL = "redis://127.0.0.1:6379/6"


def scratch_url(url: str, scale: str) -> tuple[str, str, str]:
    """The server's URL with the scratch database's name, that name and the original name."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    original = parts.path.lstrip("/") or "postgres"
    scratch = f"{original}_bench_{scale}"
    return urlunsplit(parts._replace(path=f"/{scratch}")), scratch, original


def admin_connection(url: str) -> psycopg.Connection:
    """A connection to the server to create and drop the scratch database; nothing else."""
    parts = urlsplit(url)
    options = {
        "host": parts.hostname or "localhost",
        "port": parts.port or 5432,
        "user": parts.username,
        "password": parts.password,
        "autocommit": True,
    }
    try:
        return psycopg.connect(dbname=parts.path.lstrip("/") or "postgres", **options)
    except psycopg.OperationalError:  # that database does not exist (yet): the server's own
        return psycopg.connect(dbname="postgres", **options)


def drop_database(url: str, name: str) -> None:
    with admin_connection(url) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def need_cache() -> None:
    """The pages keep what they read in Redis, as in production (docs/operations.md, "Several
    servers"): CACHE_URL as given, else a database of the local Redis of the benchmark's own."""
    url = os.environ.get("CACHE_URL", "").strip() or BENCH_CACHE_URL
    os.environ["CACHE_URL"] = url
    if url.startswith(("redis://", "rediss://")):
        try:
            redis.Redis.from_url(url, socket_timeout=5).ping()
        except redis.RedisError as error:
            sys.exit(
                f"The benchmark measures the pages with the cache production uses: Redis at "
                f"{url} does not answer ({error}). Start redis-server, or set CACHE_URL."
            )
    print(f"cache {url}")


def in_scratch_database(suffix: str, *, keep: bool, action) -> None:
    """Run `action` with Django set to a fresh scratch database next to the one DATABASE_URL
    names (name_bench_SUFFIX), with production settings and the cache need_cache names; drop it
    afterwards unless `keep`."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    need_cache()
    bench_url, scratch, original = scratch_url(url, suffix)
    drop_database(url, scratch)
    with admin_connection(url) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    print(f"scratch database {scratch} (next to {original})")
    # Production settings: DEBUG would keep every statement in memory and skew the figures.
    os.environ.update(DATABASE_URL=bench_url, DEBUG="false", HTTPS="false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    try:
        action()
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            drop_database(url, scratch)
            print(f"dropped {scratch}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALE_NAMES, default="city")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--http-seconds", type=int, default=30, help="how long wrk loads each page (30)"
    )
    parser.add_argument(
        "--think-ms",
        type=int,
        default=0,
        help="each HTTP client's pause between an answer and its next request (0)",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="CASE",
        help="measure only these cases (bench/suite.py's CASE_GROUPS; eligibility_naive brings"
        " eligibility_period)",
    )
    arguments = parser.parse_args()
    in_scratch_database(arguments.scale, keep=arguments.keep, action=lambda: run(arguments))


def run(arguments: argparse.Namespace) -> None:
    import django

    # Whitenoise looks for the collected static files, which only `make run` collects.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)

    django.setup()
    from django.core.management import call_command

    from bench import suite

    scale = suite.SCALES[arguments.scale]
    if unknown := set(arguments.only or ()) - set(suite.CASE_GROUPS):
        sys.exit(f"No such case: {', '.join(sorted(unknown))}. The cases: {suite.CASE_GROUPS}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"before generation: {suite.load_average()}")
    generation = time.perf_counter()
    period = suite.generate(scale)
    print(f"generated in {time.perf_counter() - generation:.1f} s")
    print(f"before measuring: {suite.load_average()}")
    report = suite.run_cases(
        scale=scale,
        period=period,
        http_seconds=arguments.http_seconds,
        think_ms=arguments.think_ms,
        workers=arguments.workers,
        only=arguments.only,
    )
    print(f"after measuring: {suite.load_average()}")
    print()
    print(suite.table(report))
    path = suite.write_json(report, PROJECT_DIR / "var" / "bench")
    elapsed = time.perf_counter() - started
    print(f"\nwrote {path.relative_to(PROJECT_DIR)}; whole run {elapsed:.0f} s")


if __name__ == "__main__":
    main()
