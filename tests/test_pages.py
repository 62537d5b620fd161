"""What every page sends and shows: security headers, error pages, the health check."""

import json

import pytest
from django.urls import reverse

from tests.conftest import run_django

PUBLIC_PAGES = ["home", "login"]


@pytest.mark.parametrize("page", [*PUBLIC_PAGES, "inspections:review_queue", "no-such-page"])
def test_it_sends_the_security_headers_on_every_page(client, reviewer, page):
    client.force_login(reviewer)
    url = "/khong-co-trang-nay/" if page == "no-such-page" else reverse(page)

    response = client.get(url)

    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_it_has_no_inline_script_or_style(client, db, page):
    html = client.get(reverse(page)).content.decode()

    assert "<script>" not in html
    assert "<style" not in html
    assert " style=" not in html


def test_it_shows_the_404_page_in_vietnamese(client, db):
    response = client.get("/khong-co-trang-nay/")

    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_it_shows_the_404_page_in_english_when_chosen(client, db, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get("/khong-co-trang-nay/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_it_shows_the_403_page_in_english_when_chosen(client, inspector, settings):
    client.force_login(inspector)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("inspections:review_queue"))

    assert response.status_code == 403
    assert "Access denied" in response.content.decode()


@pytest.mark.urls("tests.urls_failing")
@pytest.mark.parametrize(("language", "text"), [("vi", "Lỗi máy chủ"), ("en", "Server error")])
def test_it_shows_the_500_page_without_a_traceback(client, db, settings, language, text):
    client.raise_request_exception = False
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.get("/failing/")

    assert response.status_code == 500
    html = response.content.decode()
    assert text in html
    assert "Traceback" not in html
    assert "ZeroDivisionError" not in html


def test_it_explains_an_expired_form(db, reviewer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"username": "reviewer", "password": "x"})

    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in response.content.decode()


def test_it_reports_health_when_the_database_answers(client, db):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_it_reports_503_when_the_database_does_not_answer():
    # A real portal process pointed at a PostgreSQL port where nothing listens.
    result = run_django(
        "from django.test import Client\n"
        "response = Client().get('/healthz')\n"
        "print(response.status_code, response.content.decode())\n",
        DEBUG="false",
        HTTPS="false",
        SECRET_KEY="s" * 60,
        ALLOWED_HOSTS="testserver",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/kycuong",
    )

    status, body = result.stdout.strip().split(" ", 1)
    assert result.returncode == 0, result.stderr
    assert status == "503"
    assert json.loads(body) == {"status": "unavailable", "database": "unreachable"}


def test_it_shows_the_503_page_when_the_database_is_down():
    # A real portal process whose PostgreSQL does not answer: the session and user lookups
    # fail inside the middleware, before any view runs.
    result = run_django(
        "from django.test import Client\n"
        "client = Client(raise_request_exception=False)\n"
        "client.cookies['sessionid'] = 'x' * 32\n"
        "response = client.get('/accounts/password/')\n"
        "print(response.status_code, response['Retry-After'])\n"
        "print(response.content.decode())\n",
        DEBUG="false",
        HTTPS="false",
        SECRET_KEY="s" * 60,
        ALLOWED_HOSTS="testserver",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/kycuong",
    )

    first_line, page = result.stdout.split("\n", 1)
    assert result.returncode == 0, result.stderr
    assert first_line == "503 30"
    assert "Tạm thời gián đoạn" in page
    assert "Traceback" not in page
