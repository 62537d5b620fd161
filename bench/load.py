"""Load test: 100 connections for 60 s on each main page, signed in as the demo reviewer.

Not part of `make test`. Needs PostgreSQL on 127.0.0.1 and wrk (Debian package `wrk`; installed
with apt-get when missing and run as root). Sends traffic to 127.0.0.1 only:
    .venv/bin/python bench/load.py [--duration 60] [--connections 100] [--workers 4]
It creates the scratch database kc_bench_load (dropped at the end), loads the demo city with
`manage.py seed_demo`, starts gunicorn on a free port, signs the reviewer `noivu` in once per
connection, runs wrk on each page in turn and prints requests/s, latency percentiles, answers
that were not 2xx, and the resident memory of each gunicorn worker before and after.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

import psycopg

from bench.servers import start_gunicorn

PAGES = {"home": "/", "staff list": "/personnel/staff/", "units": "/personnel/units/"}
REVIEWER = "noivu"


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="kc_bench_load")
    parser.add_argument("--duration", type=int, default=60, help="seconds of wrk per page")
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--cache-url", default="", help="e.g. redis://127.0.0.1:6379/5")
    options = parser.parse_args()
    if not re.fullmatch(
        r"postgres://[^/]*@(127\.0\.0\.1|localhost|\[::1\])(:\d+)?", options.server
    ):
        parser.error("--server must be a PostgreSQL server on this machine (127.0.0.1)")
    if not re.fullmatch(r"kc_bench_[a-z0-9_]+", options.database):
        parser.error("--database must start with kc_bench_ (it is dropped at the end)")
    return options


def need_wrk() -> str:
    if shutil.which("wrk") is None:
        if os.geteuid() != 0:
            sys.exit("wrk is missing: apt-get install wrk")
        print("Installing wrk with apt-get …", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],  # noqa: S607
            check=True,
            timeout=300,
        )
    return shutil.which("wrk")


def admin_connection(server: str):
    return psycopg.connect(f"{server}/postgres", autocommit=True)


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own commands, no outside input
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def workers_rss(master: int) -> dict[int, float]:
    return {pid: rss_mib(pid) for pid in worker_pids(master)}


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class RssSampler(threading.Thread):
    """The workers' total resident memory every few seconds while wrk runs."""

    def __init__(self, master: int, every: float = 5.0):
        super().__init__(daemon=True)
        self.master = master
        self.every = every
        self.samples: list[float] = []
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(self.every):
            try:
                self.samples.append(sum(workers_rss(self.master).values()))
            except (FileNotFoundError, ProcessLookupError):  # a worker replaced meanwhile
                continue


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def open_url(opener, url: str, data: dict | None = None) -> tuple[int, str]:
    body = urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, data=body, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def sign_in(base_url: str, password: str) -> str:
    """A fresh session of the reviewer, as a Cookie header value."""
    cookies = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies), NoRedirects)
    _status, html = open_url(opener, f"{base_url}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    status, _html = open_url(
        opener,
        f"{base_url}/accounts/login/",
        {"username": REVIEWER, "password": password, "csrfmiddlewaretoken": token},
    )
    if status != 302:
        sys.exit(f"Signing {REVIEWER} in failed with {status}")
    for path in PAGES.values():
        status, _html = open_url(opener, f"{base_url}{path}")
        if status != 200:
            sys.exit(f"{path} answered {status} to the signed-in reviewer")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in cookies)


def run_wrk(wrk: str, options, url: str, cookie_file: Path) -> dict:
    result = subprocess.run(  # noqa: S603
        [
            wrk,
            f"-t{options.threads}",
            f"-c{options.connections}",
            f"-d{options.duration}s",
            "--timeout",
            "10s",
            "-s",
            str(PROJECT_DIR / "bench" / "wrk_report.lua"),
            url,
            "--",
            str(cookie_file),
        ],
        capture_output=True,
        text=True,
        timeout=options.duration + 120,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("WRK_JSON "))
    figures = json.loads(line.removeprefix("WRK_JSON "))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1_000_000)
    return figures


def main():
    options = arguments()
    wrk = need_wrk()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "SECRET_", "DEBUG", "HTTPS", "CACHE_"))
    }
    env.update(
        DEBUG="false",
        HTTPS="false",
        ALLOWED_HOSTS="127.0.0.1",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"{options.server}/{options.database}",
        CACHE_URL=options.cache_url,
        LOG_LEVEL="WARNING",
    )
    with ExitStack() as stack:
        with admin_connection(options.server) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{options.database}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{options.database}"')

        def drop_database():
            with admin_connection(options.server) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{options.database}" WITH (FORCE)')

        stack.callback(drop_database)
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kc-load-")))
        started = time.monotonic()
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo", "--accounts-file", str(scratch / "accounts.txt"))
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        password = next(
            line.split("\t")[2]
            for line in (scratch / "accounts.txt").read_text().splitlines()
            if line.split("\t")[1] == REVIEWER
        )
        print(f"Database ready in {time.monotonic() - started:.0f} s", flush=True)

        log = stack.enter_context((scratch / "gunicorn.log").open("w+"))
        try:
            base_url, server_pid = start_gunicorn(
                stack, workers=options.workers, timeout=60, env=env, log=log
            )
        except RuntimeError as error:
            sys.exit(str(error))

        # One session per connection, as many people signed in at once.
        cookie_file = scratch / "cookies.txt"
        cookie_file.write_text(
            "\n".join(sign_in(base_url, password) for _ in range(options.connections)) + "\n"
        )
        rss_start = workers_rss(server_pid)
        print(
            f"gunicorn: {options.workers} workers at {base_url}; "
            f"{options.connections} connections, {options.duration} s per page",
            flush=True,
        )
        print(
            "| page | requests/s | p50 ms | p95 ms | p99 ms | max ms | non-2xx | errors "
            "| workers' RSS after, MiB | load average after |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |", flush=True)
        sampler = RssSampler(server_pid)
        sampler.start()
        load_before = load_average()
        for name, path in PAGES.items():
            figures = run_wrk(wrk, options, f"{base_url}{path}", cookie_file)
            errors = sum(
                figures[key]
                for key in ("connect_errors", "read_errors", "write_errors", "timeouts")
            )
            print(
                f"| {name} `{path}` | {figures['rps']:.0f} | {figures['p50_ms']:.0f} "
                f"| {figures['p95_ms']:.0f} | {figures['p99_ms']:.0f} | {figures['max_ms']:.0f} "
                f"| {figures['non2xx']} | {errors} "
                f"| {sum(workers_rss(server_pid).values()):.1f} | {load_average()} |",
                flush=True,
            )
        sampler.stopped.set()
        sampler.join()
        print(f"\nLoad average (1, 5, 15 min) before the first run: {load_before}")
        if sampler.samples:
            print(
                f"Workers' total RSS sampled every {sampler.every:.0f} s during the runs: "
                f"min {min(sampler.samples):.1f}, max {max(sampler.samples):.1f} MiB "
                f"({len(sampler.samples)} samples)"
            )
        rss_end = workers_rss(server_pid)
        print("\nWorker resident memory (MiB), before the first run and after the last:")
        for pid in sorted(set(rss_start) | set(rss_end)):
            start = rss_start.get(pid)
            end = rss_end.get(pid)
            print(
                f"  pid {pid}: {start if start is None else f'{start:.1f}'} -> "
                f"{end if end is None else f'{end:.1f}'}"
            )
        print(
            f"  total: {sum(rss_start.values()):.1f} -> {sum(rss_end.values()):.1f} "
            f"(workers replaced: {len(set(rss_start) ^ set(rss_end)) // 2})"
        )


if __name__ == "__main__":
    main()
