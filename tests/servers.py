"""Real processes for the fault tests: scratch PostgreSQL databases, gunicorn, a cuttable relay.

Everything listens on 127.0.0.1 only; every database made here is dropped afterwards.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from django.conf import settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

import bench.servers
from bench.servers import free_port
from tests.conftest import PROJECT_DIR


def server_address() -> dict:
    """Where the test database's PostgreSQL listens, as psycopg.connect takes it."""
    database = settings.DATABASES["default"]
    return {
        "host": database["HOST"] or "127.0.0.1",
        "port": int(database["PORT"] or 5432),
        "user": database["USER"],
        "password": database["PASSWORD"] or None,
    }


def database_url(name: str, *, port: int | None = None) -> str:
    server = server_address()
    password = f":{server['password']}" if server["password"] else ""
    return f"postgres://{server['user']}{password}@{server['host']}:{port or server['port']}/{name}"


@contextmanager
def scratch_database(prefix: str):
    """A new, empty PostgreSQL database beside the test database; its name; dropped at the end."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server_address()) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server_address()) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def portal_env(**variables: str) -> dict:
    """The environment of a production-like portal process; the machine's own settings left out."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "SECRET_", "DEBUG", "HTTPS", "ALLOWED_"))
    }
    env.update(
        {
            "DEBUG": "false",
            "HTTPS": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            **variables,
        }
    )
    return env


def manage(*arguments: str, env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_python(code: str, *, env: dict) -> str:
    """Run `code` with Django set up in a fresh process; its standard output."""
    result = subprocess.run(
        [sys.executable, "-c", "import django\ndjango.setup()\n" + code],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def start_gunicorn(stack: ExitStack, *, env: dict, log: Path, config: Path | None = None) -> str:
    """One gunicorn worker on a free port of 127.0.0.1, stopped when `stack` closes; its URL."""
    output = stack.enter_context(log.open("w+"))
    try:
        base_url, _pid = bench.servers.start_gunicorn(
            stack, workers=1, timeout=30, env=env, log=output, config=config
        )
    except RuntimeError as error:
        pytest.fail(str(error)[-3000:])
    return base_url


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie jar and plain HTTP: what a phone's browser sends, redirects not followed."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirects
        )

    def request(
        self, path: str, data: dict | None = None, *, multipart: bool = False
    ) -> tuple[int, str, str]:
        """(status, Location, body) of a GET, or of a POST when data is given."""
        headers = {}
        body = None
        if data is not None and multipart:
            body = encode_multipart(BOUNDARY, data)
            headers["Content-Type"] = MULTIPART_CONTENT
        elif data is not None:
            body = urlencode(data).encode()
        url = self.base_url + path  # always http://127.0.0.1:PORT
        request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                location = response.headers.get("Location", "")
                return response.status, location, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def hidden(self, html: str, name: str) -> str:
        return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)

    def sign_in(self, username: str, password: str) -> None:
        status, _location, html = self.request("/accounts/login/")
        assert status == 200, status
        token = self.hidden(html, "csrfmiddlewaretoken")
        status, location, _html = self.request(
            "/accounts/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": token},
        )
        assert (status, location) == (302, "/"), (status, location)


class DatabaseRelay:
    """A TCP relay between the portal and PostgreSQL that a test can cut and restore.

    `cut_when_sent(marker)`: as soon as the portal sends bytes containing `marker` (a statement
    it is running), the relay passes them on, then drops every connection, as a failed network
    or a stopped database would, and refuses new ones until `restore()`. The real PostgreSQL,
    which other processes use, is never stopped.
    """

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.passing = True
        self.marker: bytes | None = None
        self.cut_done = threading.Event()
        self.links: set[tuple[socket.socket, socket.socket]] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_when_sent(self, marker: bytes) -> None:
        self.cut_done.clear()
        self.marker = marker

    def cut(self) -> None:
        with self.lock:
            self.passing = False
            self.marker = None
            links, self.links = self.links, set()
        for link in links:
            self._close(link)
        self.cut_done.set()

    def restore(self) -> None:
        with self.lock:
            self.passing = True

    def close(self) -> None:
        self.cut()
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                portal_side, _address = self.listener.accept()
            except OSError:
                return  # closed
            with self.lock:
                passing = self.passing
            if not passing:
                portal_side.close()  # the portal sees the server close at once
                continue
            try:
                database_side = socket.create_connection(self.target, timeout=5)
            except OSError:
                portal_side.close()
                continue
            database_side.settimeout(None)
            link = (portal_side, database_side)
            with self.lock:
                self.links.add(link)
            for source, destination, watch in (
                (portal_side, database_side, True),
                (database_side, portal_side, False),
            ):
                threading.Thread(
                    target=self._pump, args=(link, source, destination, watch), daemon=True
                ).start()

    def _pump(self, link, source: socket.socket, destination: socket.socket, watch: bool) -> None:
        recent = b""
        try:
            while chunk := source.recv(65536):
                destination.sendall(chunk)
                marker = self.marker
                if watch and marker is not None:
                    recent = recent[-len(marker) :] + chunk
                    if marker in recent:
                        self.cut()
                        return
        except OSError:
            pass
        with self.lock:
            self.links.discard(link)
        self._close(link)

    @staticmethod
    def _close(link) -> None:
        for side in link:
            with suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)
            side.close()


# The keys moto's S3 server takes (any will do), as the portal's settings name them.
KEYS = {"S3_ACCESS_KEY_ID": "test-access-key", "S3_SECRET_ACCESS_KEY": "test-secret-key"}


@contextmanager
def s3_server(log: Path) -> Iterator[str]:
    """A real S3 server (moto's) on a free port of 127.0.0.1; its endpoint URL."""
    port = free_port()
    with log.open("w") as output:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"moto_server did not start:\n{log.read_text()}")
                time.sleep(0.2)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def run_db_worker(**variables: str) -> subprocess.CompletedProcess:
    """`manage.py db_worker --batch` on the test database (PostgreSQL): it runs every task
    ready, as the production worker would, with `variables` added to its environment."""
    database = settings.DATABASES["default"]
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    return subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        cwd=PROJECT_DIR,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DATABASE_URL": f"postgres://{database['USER']}{password}@{host}/{database['NAME']}",
            "TASKS_BACKEND": "database",
            "DEBUG": "false",
            "HTTPS": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECRET_KEY": settings.SECRET_KEY,
            **variables,
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
