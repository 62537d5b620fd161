"""deploy/nginx-kycuong.conf, run by Debian's nginx in front of the portal.

The site file is used as written, with only its ports, certificate, static folder and upstream
address replaced by the test's own (each replacement must match exactly once, so a change to
the file that the test does not know about fails here). nginx runs unprivileged, in the
foreground, with its temporary files and logs in the test's folder.
"""

import datetime
import http.client
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bench.servers import free_port
from tests.conftest import PROJECT_DIR
from tests.servers import (
    database_url,
    manage,
    portal_env,
    run_python,
    scratch_database,
    start_gunicorn,
)

SITE = PROJECT_DIR / "deploy" / "nginx-kycuong.conf"
SERVER_NAME = "kycuong.example.gov.vn"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"

needs_nginx = pytest.mark.skipif(
    not Path(NGINX).exists(), reason="needs Debian's nginx (.ci/run installs it)"
)


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVER_NAME)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(SERVER_NAME)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    chain, private = folder / "fullchain.pem", folder / "privkey.pem"
    chain.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return chain, private


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"deploy/nginx-kycuong.conf no longer has exactly one {old!r}"
    return text.replace(old, new)


class Site:
    def __init__(self, http_port: int, https_port: int, static: Path):
        self.http_port = http_port
        self.https_port = https_port
        self.static = static

    def request(self, method: str, path: str, *, secure: bool = True, headers=None, body=None):
        """(status, headers, body) of one request, as a browser asking for SERVER_NAME sends it."""
        if secure:
            context = ssl._create_unverified_context()  # noqa: S323 (the test's own certificate)
            connection = http.client.HTTPSConnection(
                "127.0.0.1", self.https_port, context=context, timeout=30
            )
        else:
            connection = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=30)
        try:
            connection.request(
                method, path, body=body, headers={"Host": SERVER_NAME, **(headers or {})}
            )
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def negotiated_protocol(self) -> str | None:
        context = ssl._create_unverified_context()  # noqa: S323
        context.set_alpn_protocols(["h2", "http/1.1"])
        with (
            socket.create_connection(("127.0.0.1", self.https_port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname=SERVER_NAME) as tls,
        ):
            return tls.selected_alpn_protocol()


@contextmanager
def nginx_site(folder: Path, upstream: str) -> Iterator[Site]:
    """The site file served by nginx on free ports, proxying to `upstream` (host:port)."""
    static = folder / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "portal.0123abcd.css").write_text("body { color: #123; }\n")
    chain, private = self_signed(folder)
    http_port, https_port = free_port(), free_port()

    text = SITE.read_text()
    text = replace_once(text, "listen 80;", f"listen 127.0.0.1:{http_port};")
    text = replace_once(text, "listen [::]:80;", "")
    text = replace_once(text, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = replace_once(text, "listen [::]:443 ssl http2;", "")
    text = replace_once(text, "/etc/ssl/kycuong/fullchain.pem", str(chain))
    text = replace_once(text, "/etc/ssl/kycuong/privkey.pem", str(private))
    text = replace_once(text, "server 127.0.0.1:8000;", f"server {upstream};")
    text = replace_once(text, "/srv/kycuong/var/static/", f"{static}/")
    (folder / "site.conf").write_text(text)
    for name in ("logs", "body", "proxy"):
        (folder / name).mkdir()
    # What /etc/nginx/nginx.conf gives a site, minus what needs root.
    (folder / "nginx.conf").write_text(
        f"""
daemon off;
master_process off;
pid {folder}/nginx.pid;
error_log {folder}/logs/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log {folder}/logs/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    include {folder}/site.conf;
}}
"""
    )
    command = [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    log = folder / "logs" / "stderr.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(command, stderr=stderr)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"nginx did not start: {log.read_text()}")
                time.sleep(0.05)
        yield Site(http_port, https_port, static)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def site(restore_migrated_rows, live_server, settings, tmp_path):
    # The portal as production runs it behind the proxy (TRUST_X_FORWARDED_PROTO=true).
    settings.ALLOWED_HOSTS = [SERVER_NAME]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    with nginx_site(tmp_path, live_server.url.removeprefix("http://")) as site:
        yield site


@needs_nginx
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_site_serves_the_portal_over_https_and_http2(site):
    status, _headers, body = site.request("GET", "/")

    assert status == 200
    assert "Kỷ Cương" in body.decode()
    assert site.negotiated_protocol() == "h2"


@needs_nginx
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sign_in_form_passes_the_csrf_check_through_the_proxy(site):
    status, headers, body = site.request("GET", "/accounts/login/")
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode()).group(1)

    status, _headers, body = site.request(
        "POST",
        "/accounts/login/",
        headers={
            "Cookie": cookie,
            "Origin": f"https://{SERVER_NAME}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        body=f"csrfmiddlewaretoken={token}&username=khong-co&password=sai-mat-khau-roi",
    )

    # The browser's https Origin matches only if nginx told the portal the request came over
    # https (X-Forwarded-Proto): without it, every form would fail with the CSRF page.
    assert status == 200, body.decode()[:500]
    assert "Biểu mẫu đã hết hạn" not in body.decode()
    assert 'name="password"' in body.decode()


@needs_nginx
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_plain_http_is_sent_to_https(site):
    status, headers, _body = site.request("GET", "/kiem-tra/?a=1", secure=False)

    assert status == 301
    assert headers["Location"] == f"https://{SERVER_NAME}/kiem-tra/?a=1"


@needs_nginx
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_static_files_come_from_the_folder_cached_for_ever(site):
    status, headers, body = site.request("GET", "/static/css/portal.0123abcd.css")

    assert status == 200
    assert body == b"body { color: #123; }\n"
    assert headers.get_all("Cache-Control") == ["public, max-age=31536000, immutable"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Type"].startswith("text/css")


@needs_nginx
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_request_over_the_upload_limit_is_refused_before_the_portal(site):
    # The length alone decides: nginx answers without waiting for the body.
    status, _headers, _body = site.request(
        "POST",
        "/accounts/login/",
        headers={"Content-Length": str(51 * 1024 * 1024), "Content-Type": "text/plain"},
    )

    assert status == 413


PASSWORD = "mot-mat-khau-du-dai-2026"


@needs_nginx
@pytest.mark.postgresql
def test_production_settings_sign_in_through_the_site(tmp_path):
    """gunicorn with deploy/gunicorn.conf.py and production settings behind the site: a user
    signs in as on the real server. HTTPS is on, so without the proxy's X-Forwarded-Proto
    (trusted by the gunicorn file's forwarded_allow_ips) every page would redirect to itself."""
    with scratch_database("kc_deploy") as name, ExitStack() as stack:
        env = portal_env(
            DATABASE_URL=database_url(name),
            HTTPS="true",
            TRUST_X_FORWARDED_PROTO="true",
            ALLOWED_HOSTS=f"{SERVER_NAME},127.0.0.1",
        )
        for command in (["migrate"], ["collectstatic", "--verbosity", "0"]):
            done = manage(*command, "--noinput", env=env)
            assert done.returncode == 0, done.stderr
        run_python(
            "from django.contrib.auth import get_user_model\n"
            f"get_user_model().objects.create_user('tran.binh', password='{PASSWORD}')",
            env=env,
        )
        upstream = start_gunicorn(
            stack,
            env=env,
            log=tmp_path / "gunicorn.log",
            config=PROJECT_DIR / "deploy" / "gunicorn.conf.py",
        )
        site = stack.enter_context(nginx_site(tmp_path, upstream.removeprefix("http://")))

        status, headers, body = site.request("GET", "/accounts/login/")
        assert status == 200, (tmp_path / "gunicorn.log").read_text()
        cookies = SimpleCookie()
        for header in headers.get_all("Set-Cookie"):
            cookies.load(header)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode()).group(1)
        status, headers, body = site.request(
            "POST",
            "/accounts/login/",
            headers={
                "Cookie": f"csrftoken={cookies['csrftoken'].value}",
                "Origin": f"https://{SERVER_NAME}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            body=f"csrfmiddlewaretoken={token}&username=tran.binh&password={PASSWORD}",
        )
        for header in headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        home = site.request(
            "GET", "/", headers={"Cookie": f"sessionid={cookies['sessionid'].value}"}
        )

    assert (status, headers["Location"]) == (302, "/"), body.decode()[:500]
    assert cookies["sessionid"]["secure"] and cookies["csrftoken"]["secure"]
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert home[0] == 200
    assert "tran.binh" in home[2].decode()


@pytest.mark.skipif(
    not Path(SYSTEMD_ANALYZE).exists(), reason="needs systemd-analyze (.ci/run installs systemd)"
)
def test_the_systemd_units_parse_without_a_warning(tmp_path):
    # Installed in /srv/kycuong as the README says; here, this checkout and its virtualenv.
    deploy = PROJECT_DIR / "deploy"
    units = sorted([*deploy.glob("*.service"), *deploy.glob("*.timer")])
    virtualenv = str(Path(sys.executable).parent.parent)
    for unit in units:
        text = unit.read_text().replace("/srv/kycuong/.venv", virtualenv)
        (tmp_path / unit.name).write_text(text.replace("/srv/kycuong", str(PROJECT_DIR)))

    verified = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", *(unit.name for unit in units)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert [unit.name for unit in units] == [
        "kycuong-backup.service",
        "kycuong-backup.timer",
        "kycuong-worker.service",
        "kycuong.service",
    ]
    # verify exits 0 on a line it ignores (a misspelt key or value): each is printed instead.
    assert (verified.returncode, verified.stdout + verified.stderr) == (0, "")
