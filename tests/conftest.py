import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings as hypothesis_settings

from personnel.models import Role, Unit, UnitKind
from portal import settings as portal_settings
from tests.factories import build_world, make_user
from tests.signing_keys import SIGNERS, build_authority, sign_with

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Property-based tests (hypothesis). `make test`: the same examples on every run, so that a
# red run always means a change of ours, never a new random draw. `make fuzz`
# (HYPOTHESIS_PROFILE=fuzz): new random examples on every run, ten times as many, to look for
# what the repeatable ones miss; a file or scenario it finds goes into the test as @example.
hypothesis_settings.register_profile("repeatable", derandomize=True)
hypothesis_settings.register_profile("fuzz", derandomize=False)
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "repeatable")
hypothesis_settings.load_profile(HYPOTHESIS_PROFILE)
EXAMPLES_FACTOR = 10 if HYPOTHESIS_PROFILE == "fuzz" else 1


class SignedInClient(Client):
    """force_login stands for a whole sign-in: the two-factor code too, for users with a device."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()


@pytest.fixture
def client():
    return SignedInClient()


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """MD5 instead of argon2, slow by design, for every password set in this process, from the
    first fixture of the session on (the live server's thread too). A test of the hashing itself
    asks for real_password_hashers. Processes the tests start (gunicorn, run_django) keep
    argon2: their users are made there."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def real_password_hashers(settings):
    """The hashers portal/settings.py names, argon2 first. Ask for it before the users the test
    makes (with usefixtures), or their passwords are hashed with MD5, which these cannot read."""
    settings.PASSWORD_HASHERS = portal_settings.PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    # Production settings use whitenoise's manifest, which exists only after collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def empty_cache():
    """Counts kept in the cache (the tracking-code lookups) start from nothing in every test."""
    cache.clear()


# Database 8 of the local Redis (the two-server test uses 7, the benchmark 6).
SHARED_CACHE_URL = "redis://127.0.0.1:6379/8"


@pytest.fixture
def shared_cache(settings):
    """The cache as production shares it between workers: Redis, which must run on
    127.0.0.1:6379 (.ci/run starts it). Each test's keys under a prefix of its own, deleted
    afterwards: two test runs at once do not meet."""
    client = redis.Redis.from_url(SHARED_CACHE_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis must run on 127.0.0.1:6379 for this test (.ci/run starts it): {error}")
    prefix = f"kc-test-{secrets.token_hex(6)}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": SHARED_CACHE_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield cache
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgresql = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: run with DATABASE_URL=postgres://... (CI does)"
    )
    for item in items:
        if "postgresql" in item.keywords and not on_postgresql:
            item.add_marker(skip)


# Settings of a production-like process for run_django: DEBUG off, a real-looking secret key.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 30 + "-production-like-secret-key-for-the-check-only",
    "ALLOWED_HOSTS": "127.0.0.1",
    "HTTPS": "false",
}


def run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh Python with Django set up under the given environment.

    For what must be seen from outside: settings that refuse to load, a database that
    does not answer. Variables not given are removed, so the machine's own do not leak in.
    """
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "SECRET_", "DEBUG", "HTTPS", "ALLOWED_"))
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "portal.settings", **env})
    script = "import django\ndjango.setup()\n" + code
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@contextmanager
def cost() -> Iterator[dict]:
    """The CPU seconds the block took and the most memory it added, in megabytes: the peak
    resident size of this process, which Linux resets on request (/proc/self/clear_refs), and
    which counts what Rust and C libraries (calamine, Pillow) hold too. CPU time, not the wall
    clock: the test machine runs other work beside the test."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    before = _process_status("VmRSS")
    started = time.process_time()
    spent = {}
    yield spent
    spent["seconds"] = time.process_time() - started
    spent["megabytes"] = (_process_status("VmHWM") - before) / 1024


def _process_status(field: str) -> int:
    with open("/proc/self/status") as status:
        return int(re.search(rf"{field}:\s+(\d+)", status.read())[1])


def drained(response):
    """The response, a streamed one read to the end: the test client then closes its file
    (calling close() again would also close the database connection of the test's
    transaction)."""
    if response.streaming:
        b"".join(response.streaming_content)
    return response


# The administration site is Django's own, admits superusers only (tests/test_access.py) and
# has a page per model; static files are served by whitenoise, outside the resolver, and media
# files by no URL at all (tests/test_inspections_evidence.py).
EXCLUDED_NAMESPACES = {"admin"}


def _walk(resolver: URLResolver, namespace: str = "", prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            if entry.name is None:
                yield f"<unnamed {prefix}{entry.pattern}>"
            else:
                yield f"{namespace}{entry.name}"


def served_url_names() -> list[str]:
    """Every URL name the portal serves, outside the administration site."""
    return sorted(set(_walk(get_resolver())))


@pytest.fixture
def unit_a(db):
    return Unit.objects.create(code="P-A", name="Phường Đông Kinh", kind=UnitKind.WARD)


@pytest.fixture
def unit_b(db):
    return Unit.objects.create(code="X-B", name="Xã Hoàng Đồng", kind=UnitKind.COMMUNE)


@pytest.fixture
def inspector(db):
    return make_user("inspector", role=Role.INSPECTOR, first_name="Khôi", last_name="Trần")


@pytest.fixture
def reviewer(db):
    return make_user("reviewer", role=Role.REVIEWER)


@pytest.fixture
def council_member(db):
    return make_user("council", role=Role.COUNCIL)


@pytest.fixture
def unit_head(unit_a):
    return make_user("unit_head", role=Role.UNIT_HEAD, unit=unit_a)


@pytest.fixture
def outsider(db):
    """Signed in, but holding no role."""
    return make_user("outsider")


@pytest.fixture
def administrator(db):
    # Administrators must use two-factor sign-in, so the persona has its phone set up.
    user = make_user("administrator", is_superuser=True, is_staff=True)
    TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    return user


@pytest.fixture
def world_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(
    world_settings, unit_a, unit_b, inspector, reviewer, council_member, unit_head, outsider,
    administrator,
):  # fmt: skip
    """Unit B's round, visit, records, photo, regulation, period, report… (tests/factories.py)
    for the security tests."""
    return build_world(
        unit_a=unit_a, unit_b=unit_b, inspector=inspector, reviewer=reviewer,
        council_member=council_member, unit_head=unit_head, outsider=outsider,
        administrator=administrator,
    )  # fmt: skip


def restore_seeded_rows() -> None:
    """Put back the rows that data migrations create (role groups, the default checklist, the
    title catalogue), after a transactional test's flush emptied every table."""
    import importlib

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    serialized = getattr(connection, "_test_serialized_contents", None)
    if serialized and not ContentType.objects.exists() and not Group.objects.exists():
        # A serialized-rollback test's flush emptied every table, content types included: put
        # back what the migrations left with the same keys, so that the next such test, which
        # loads those rows again by key, finds them as they were instead of namesakes.
        connection.creation.deserialize_db_from_string(serialized)
        return
    for module, function in (
        ("personnel.migrations.0002_role_groups", "create_role_groups"),
        ("inspections.migrations.0004_default_checklist", "seed"),
        ("emulation.migrations.0002_seed_titles", "seed_titles"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(scope="module")
def restore_migrated_rows(django_db_blocker):
    """Put back the rows data migrations made (role groups, the checklist, the titles) once the
    module ends, for the tests that run after a transactional test's flush emptied every table.

    Module scope: this teardown comes after the test's own flush. Ask for it first.
    """
    yield
    with django_db_blocker.unblock():
        restore_seeded_rows()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, and before it is dropped, no session left connected to it.

    Threads of the concurrency tests and of the live server may leave a PostgreSQL session
    behind, and DROP DATABASE then fails at the very end of an otherwise green run.
    """
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    """A throw-away CA, its signers' PKCS#12 files and a revocation list (signing_keys)."""
    return build_authority(tmp_path_factory.mktemp("ca"), SIGNERS)


@pytest.fixture
def signing_settings(settings, authority, tmp_path):
    """The portal signing with the throw-away CA's keys, files kept in a scratch folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return sign_with(settings, authority)
