"""An import killed half-way (SIGKILL: no handler, no cleanup) leaves nothing, and runs again.

`manage.py import_staff` runs in its own process on a scratch PostgreSQL database and is killed
while PostgreSQL shows it copying rows in. The database then holds none of the file (one
transaction: all or nothing), and the same command run again imports all of it, once.
"""

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from tests.conftest import PROJECT_DIR
from tests.servers import (
    database_url,
    manage,
    portal_env,
    run_python,
    scratch_database,
    server_address,
)

ROWS = 20_000
SETUP = """
from personnel.models import Unit, UnitKind
Unit.objects.create(code="P-A", name="Phường Đông Kinh", kind=UnitKind.WARD)
Unit.objects.create(code="X-B", name="Xã Hoàng Đồng", kind=UnitKind.COMMUNE)
"""


def staff_file(path) -> None:
    lines = ["staff_code,full_name,agency_code,category,hired_on"]
    lines += [
        f"N{n:06},Nguyễn Văn {n},{'P-A' if n % 2 else 'X-B'},cong_chuc,01/0{1 + n % 9}/2015"
        for n in range(ROWS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def counts(connection) -> tuple[int, int, int]:
    return connection.execute(
        "SELECT (SELECT count(*) FROM personnel_staff),"
        " (SELECT count(DISTINCT code) FROM personnel_staff),"
        " (SELECT count(*) FROM personnel_posting)"
    ).fetchone()


def writing(connection, name: str) -> bool:
    """Whether a session of database `name` is copying rows in or inserting them."""
    return bool(
        connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'active'"
            " AND (query ILIKE 'COPY%%' OR query ILIKE 'INSERT%%')",
            [name],
        ).fetchone()[0]
    )


@pytest.mark.postgresql
def test_it_leaves_nothing_of_an_import_killed_while_writing_and_imports_it_again(tmp_path):
    path = tmp_path / "staff.csv"
    staff_file(path)
    with scratch_database("kc_killed_import") as name:
        env = portal_env(DATABASE_URL=database_url(name))
        migrated = manage("migrate", "--noinput", env=env)
        assert migrated.returncode == 0, migrated.stderr
        run_python(SETUP, env=env)
        with psycopg.connect(dbname=name, autocommit=True, **server_address()) as watcher:
            importer = subprocess.Popen(
                [sys.executable, "manage.py", "import_staff", str(path)],
                cwd=PROJECT_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                deadline = time.monotonic() + 120
                while not writing(watcher, name):
                    if importer.poll() is not None:
                        pytest.fail(f"the import ended before it was seen writing: "
                                    f"{importer.stderr.read()[-2000:]}")  # fmt: skip
                    assert time.monotonic() < deadline, "the import was never seen writing"
                    time.sleep(0.005)
                os.kill(importer.pid, signal.SIGKILL)
            finally:
                # Killed here too when an assertion above fails: never left running.
                importer.kill()
                importer.communicate(timeout=30)
            # PostgreSQL ends the killed session's transaction when it sees the socket close.
            deadline = time.monotonic() + 60
            while watcher.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            ).fetchone()[0]:
                assert time.monotonic() < deadline, "the killed session never ended"
                time.sleep(0.05)

            assert importer.returncode == -signal.SIGKILL
            assert counts(watcher) == (0, 0, 0)

            again = manage("import_staff", str(path), env=env)

            assert again.returncode == 0, again.stderr
            assert again.stdout.strip() == f"Đã nhập: thêm mới {ROWS}, cập nhật 0, giữ nguyên 0."
            assert counts(watcher) == (ROWS, ROWS, ROWS)
