"""Several servers share one PostgreSQL and one Redis: CACHE_URL, and a sign-in used on both."""

import re
import secrets
import socket
import urllib.error
import urllib.request
from contextlib import ExitStack, closing
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import boto3
import pytest

from tests.conftest import PRODUCTION, run_django
from tests.servers import (
    KEYS,
    NoRedirects,
    database_url,
    manage,
    portal_env,
    s3_server,
    scratch_database,
    start_gunicorn,
)

REDIS_DATABASE = 7  # kept apart from the default database 0
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DATABASE}"
PASSWORD = "a-long-test-passphrase"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("memcache://127.0.0.1:11211", "CACHE_URL must start with redis://, rediss:// or"),
        ("127.0.0.1:6379", "CACHE_URL must start with redis://, rediss:// or"),
        ("redis://127.0.0.1:port/0", "CACHE_URL has a bad port"),
        ("redis:///0", "CACHE_URL looks like redis://HOST:6379/0"),
        ("redis://127.0.0.1:6379/cache", "CACHE_URL looks like redis://HOST:6379/0"),
    ],
)
def test_it_stops_start_up_on_a_bad_cache_url(value, message):
    result = run_django("", **PRODUCTION, CACHE_URL=value)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "django.core.cache.backends.locmem.LocMemCache None"),
        ("locmemcache://", "django.core.cache.backends.locmem.LocMemCache None"),
        (
            "redis://127.0.0.1:6379/3",
            "django.core.cache.backends.redis.RedisCache redis://127.0.0.1:6379/3",
        ),
        (
            "rediss://:secret@cache.example.gov.vn:6380",
            "django.core.cache.backends.redis.RedisCache rediss://:secret@cache.example.gov.vn:6380",
        ),
    ],
)
def test_it_reads_the_cache_from_cache_url(value, expected):
    result = run_django(
        "from django.conf import settings\n"
        "cache = settings.CACHES['default']\n"
        "print(cache['BACKEND'], cache.get('LOCATION'))",
        **PRODUCTION,
        CACHE_URL=value,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def redis_must_answer():
    try:
        with closing(socket.create_connection(("127.0.0.1", 6379), timeout=2)) as connection:
            connection.sendall(b"PING\r\n")
            answer = connection.recv(64)
    except OSError as error:
        pytest.fail(f"Redis must run on 127.0.0.1:6379 for this test (.ci/run starts it): {error}")
    assert answer.startswith(b"+PONG"), answer


@pytest.mark.postgresql
def test_it_shares_the_cache_between_processes_through_redis():
    redis_must_answer()
    key = f"kc-test-{secrets.token_hex(4)}"

    written = run_django(
        f"from django.core.cache import cache\ncache.set({key!r}, 'Kỷ Cương', 60)",
        **PRODUCTION,
        CACHE_URL=REDIS_URL,
    )
    read = run_django(
        f"from django.core.cache import cache\nprint(cache.get({key!r}))\ncache.delete({key!r})",
        **PRODUCTION,
        CACHE_URL=REDIS_URL,
    )

    assert written.returncode == 0, written.stderr
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip() == "Kỷ Cương"


@pytest.fixture
def scratch_database_url():
    """A new, empty PostgreSQL database beside the test database, dropped afterwards."""
    with scratch_database("kc_two_servers") as name:
        yield database_url(name)


def must_manage(*arguments: str, env: dict) -> None:
    result = manage(*arguments, env=env)
    assert result.returncode == 0, result.stderr


class Browser:
    """One cookie jar for every server, as behind a load balancer."""

    def __init__(self):
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects
        )

    def request(
        self, url: str, data: dict | None = None, *, files: dict | None = None
    ) -> tuple[int, str, str]:
        if files:
            body, boundary = multipart(data or {}, files)
            url = urllib.request.Request(  # noqa: S310 - our own servers on 127.0.0.1
                url, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
            )
        else:
            body = urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, data=body, timeout=20) as response:
                return (
                    response.status,
                    response.headers.get("Location", ""),
                    response.read().decode(),
                )
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def form_token(self, url: str) -> str:
        status, _location, html = self.request(url)
        assert status == 200, (url, status)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.mark.postgresql
def test_it_signs_in_on_one_server_and_changes_the_password_on_another(
    scratch_database_url, tmp_path
):
    redis_must_answer()
    # One env, so one SECRET_KEY for every server, or the others refuse its sessions.
    env = portal_env(DATABASE_URL=scratch_database_url, CACHE_URL=REDIS_URL)
    must_manage("migrate", "--noinput", env=env)
    must_manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
    made = run_django(
        "from tests.factories import make_user\nfrom personnel.models import Role\n"
        "make_user('reviewer', role=Role.REVIEWER)",
        **{key: env[key] for key in (*PRODUCTION, "SECRET_KEY", "DATABASE_URL", "CACHE_URL")},
    )
    assert made.returncode == 0, made.stderr

    with ExitStack() as stack:
        logs = [tmp_path / "first.log", tmp_path / "second.log"]
        first, second = (start_gunicorn(stack, env=env, log=log) for log in logs)
        browser = Browser()

        token = browser.form_token(f"{first}/accounts/login/")
        signed_in = browser.request(
            f"{first}/accounts/login/",
            {"username": "reviewer", "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        queue_on_second = browser.request(f"{second}/inspections/review/")
        token = browser.form_token(f"{second}/accounts/password/")
        changed = browser.request(
            f"{second}/accounts/password/",
            {
                "old_password": PASSWORD,
                "new_password1": "mat-khau-moi-rat-dai-2026",
                "new_password2": "mat-khau-moi-rat-dai-2026",
                "csrfmiddlewaretoken": token,
            },
        )
        still_in_on_first = browser.request(f"{first}/inspections/review/")

    assert signed_in[:2] == (302, "/")
    assert queue_on_second[0] == 200
    assert changed[:2] == (302, "/accounts/password/done/")
    # The password change keeps this session signed in, on every server.
    assert still_in_on_first[0] == 200
    checked = run_django(
        "from personnel.models import User\n"
        "print(User.objects.get(username='reviewer').check_password('mat-khau-moi-rat-dai-2026'))",
        **{key: env[key] for key in (*PRODUCTION, "SECRET_KEY", "DATABASE_URL")},
    )
    assert checked.stdout.strip() == "True", checked.stderr


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = f"kc-{secrets.token_hex(8)}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts += [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"'
        f"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n"
        for name, (filename, content) in files.items()
    ]
    return "".join([*parts, f"--{boundary}--\r\n"]).encode(), boundary


@pytest.mark.postgresql
def test_it_shares_files_and_background_work_between_servers(scratch_database_url, tmp_path):
    """Two servers, one bucket, one task worker: an import previewed on one server is confirmed
    on the other, and a list asked for on one is made by the worker and fetched from the other."""
    redis_must_answer()
    with ExitStack() as stack:
        s3_endpoint = stack.enter_context(s3_server(tmp_path / "moto.log"))
        check_files_and_work_shared(s3_endpoint, scratch_database_url, tmp_path)


def check_files_and_work_shared(s3_endpoint: str, scratch_database_url: str, tmp_path: Path):
    bucket = f"kc-scale-out-{secrets.token_hex(4)}"
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["S3_SECRET_ACCESS_KEY"],
    )
    s3.create_bucket(Bucket=bucket)
    media_root = tmp_path / "media"
    settings_env = {
        **PRODUCTION,
        **KEYS,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": scratch_database_url,
        "CACHE_URL": REDIS_URL,
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "us-east-1",
        "MEDIA_ROOT": str(media_root),
        "TASKS_BACKEND": "database",
    }
    env = portal_env(**settings_env)
    must_manage("migrate", "--noinput", env=env)
    must_manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
    made = run_django(
        "from personnel.models import Role, Unit\n"
        "from tests.factories import make_period, make_staff, make_user, nominate_directly\n"
        "make_user('reviewer', role=Role.REVIEWER)\n"
        "unit = Unit.objects.create(code='P-A', name='Phường Đông Kinh', kind='ward')\n"
        "nominate_directly(make_period('2019'), make_staff('S001', unit=unit))",
        **settings_env,
    )
    assert made.returncode == 0, made.stderr

    with ExitStack() as stack:
        logs = [tmp_path / "first.log", tmp_path / "second.log"]
        first, second = (start_gunicorn(stack, env=env, log=log) for log in logs)
        browser = Browser()
        token = browser.form_token(f"{first}/accounts/login/")
        browser.request(
            f"{first}/accounts/login/",
            {"username": "reviewer", "password": PASSWORD, "csrfmiddlewaretoken": token},
        )

        token = browser.form_token(f"{first}/personnel/import/")
        uploaded = browser.request(
            f"{first}/personnel/import/",
            {"csrfmiddlewaretoken": token, "kind": "agencies"},
            files={
                "file": ("units.csv", "code,name,kind,parent_code\nUB,UBND thành phố,department,\n")
            },
        )
        preview = browser.request(f"{second}/personnel/import/preview/")
        stored = re.search(r'name="file" value="([^"]+)"', preview[2]).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', preview[2]).group(1)
        confirmed = browser.request(
            f"{first}/personnel/import/confirm/", {"file": stored, "csrfmiddlewaretoken": token}
        )

        token = browser.form_token(f"{first}/emulation/periods/2019/")
        asked = browser.request(
            f"{first}/emulation/periods/2019/prepare/",
            {"format": "xlsx", "csrfmiddlewaretoken": token},
        )
        waiting = browser.request(f"{second}{asked[1]}")
        must_manage("db_worker", "--batch", "--no-startup-delay", env=env)
        ready = browser.request(f"{second}{asked[1]}")
        download_path = re.search(r'href="(/exports/[^"]+/download/)"', ready[2]).group(1)
        download = browser.opener.open(f"{first}{download_path}", timeout=20)
        workbook = download.read()

    assert uploaded[:2] == (302, "/personnel/import/preview/")
    assert "UBND thành phố" in preview[2]
    assert confirmed[:2] == (302, "/personnel/import/")
    assert asked[0] == 302
    assert 'http-equiv="refresh"' in waiting[2]
    assert workbook.startswith(b"PK")
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    export_id = download_path.split("/")[2]
    assert [key.split("/")[1] for key in keys if key.startswith("exports/")] == [export_id]
    assert not any(key.startswith("imports/") for key in keys)  # removed once imported
    assert not media_root.exists() or not any(path.is_file() for path in media_root.rglob("*"))
    imported = run_django(
        "from personnel.models import Unit\nprint(Unit.objects.filter(code='UB').count())",
        **settings_env,
    )
    assert imported.stdout.strip() == "1", imported.stderr
