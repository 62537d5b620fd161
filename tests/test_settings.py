"""Settings come from the environment only and stop start-up on a bad value."""

import pytest

from tests.conftest import run_django

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 30 + "-production-like-secret-key-for-the-check-only",
    "ALLOWED_HOSTS": "kycuong.example.gov.vn",
    "HTTPS": "true",
}


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be true or false, got 'maybe'."),
        ("SECRET_KEY", "", "SECRET_KEY is required when DEBUG is off"),
        ("SECRET_KEY", "short", "SECRET_KEY must be at least 50 characters long"),
        ("ALLOWED_HOSTS", "", "ALLOWED_HOSTS is required when DEBUG is off"),
        ("DATABASE_URL", "mysql://root@localhost/kc", "DATABASE_URL must start with postgres://"),
        ("DATABASE_URL", "postgres://u@h:port/kc", "DATABASE_URL is not a valid database URL"),
        ("SESSION_IDLE_MINUTES", "half an hour", "SESSION_IDLE_MINUTES must be a whole number"),
        ("ADMIN_URL", "admin/", "ADMIN_URL must not be the guessable default 'admin/'."),
        ("ADMIN_URL", "/quan-tri", "ADMIN_URL must be a path like 'quan-tri-he-thong/'"),
        ("CSRF_TRUSTED_ORIGINS", "kycuong.gov.vn", "CSRF_TRUSTED_ORIGINS entries look like"),
        ("HTTPS", "có", "HTTPS must be true or false, got 'có'."),
        ("IMPORT_MAX_ROWS", "200k", "IMPORT_MAX_ROWS must be a whole number, got '200k'."),
        ("IMPORT_MAX_ROWS", "1048577", "IMPORT_MAX_ROWS must be at most 1048576, got 1048577."),
        ("IMPORT_MAX_ROWS", "1", "IMPORT_MAX_ROWS must be at least 2, got 1."),
        ("PHOTO_MAX_PIXELS", "90000000", "PHOTO_MAX_PIXELS must be at most 89000000, got 9000"),
        ("PHOTO_MAX_PIXELS", "12MP", "PHOTO_MAX_PIXELS must be a whole number, got '12MP'."),
        ("SIGNATURE_BACKEND", "usb", "SIGNATURE_BACKEND must be none, pkcs12 or pkcs11"),
        ("SIGNATURE_REVOCATION", "sometimes", "SIGNATURE_REVOCATION must be online or offline"),
        ("SIGNATURE_KEY_NAMES", "noivu", "SIGNATURE_KEY_NAMES looks like username=key-label"),
        ("SIGNATURE_TRUST_ROOTS", "/no/such/root.pem", "SIGNATURE_TRUST_ROOTS names a file that"),
        ("SIGNATURE_CRLS", "/no/such/list.crl", "SIGNATURE_CRLS names a file that does not"),
        ("SIGNATURE_PKCS11_SLOT", "first", "SIGNATURE_PKCS11_SLOT must be a whole number"),
    ],
)
def test_it_stops_start_up_naming_the_bad_variable(variable, value, message):
    result = run_django("", **{**PRODUCTION, variable: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_it_reads_the_import_and_photo_caps_from_the_environment():
    result = run_django(
        "from django.conf import settings\n"
        "from core.tabular import limits\n"
        "print(settings.PHOTO_MAX_PIXELS, limits())",
        **PRODUCTION,
        IMPORT_MAX_ROWS="1048576",
        PHOTO_MAX_PIXELS="12000000",
    )

    assert result.stdout.strip() == (
        "12000000 Limits(rows=1048576, columns=256, texts=8388608, unpacked_bytes=1074790400)"
    )


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"SIGNATURE_BACKEND": "pkcs12"}, "SIGNATURE_PKCS12_DIR must be a folder"),
        ({"SIGNATURE_BACKEND": "pkcs11"}, "SIGNATURE_PKCS11_LIBRARY must name the token's"),
        (
            {"SIGNATURE_BACKEND": "pkcs12", "SIGNATURE_PKCS12_DIR": "/etc"},
            "SIGNATURE_TRUST_ROOTS is required when SIGNATURE_BACKEND is pkcs12.",
        ),
        (
            {"SIGNATURE_BACKEND": "pkcs12", "SIGNATURE_PKCS12_DIR": "/etc",
             "SIGNATURE_TRUST_ROOTS": "/etc/hostname"},
            "SIGNATURE_TRUST_ROOTS: '/etc/hostname' holds no PEM certificate.",
        ),
    ],
)  # fmt: skip
def test_it_stops_start_up_on_an_incomplete_signing_set_up(variables, message):
    result = run_django("", **{**PRODUCTION, **variables})

    assert result.returncode != 0
    assert message in result.stderr


def test_it_starts_without_secret_key_in_debug():
    result = run_django(
        "from django.conf import settings; print(settings.DEBUG, len(settings.SECRET_KEY))",
        DEBUG="true",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "50"]


def test_it_runs_in_ho_chi_minh_time_with_vietnamese_first():
    result = run_django(
        "from django.conf import settings\n"
        "print(settings.TIME_ZONE, settings.USE_TZ, settings.LANGUAGE_CODE,"
        " [code for code, name in settings.LANGUAGES])",
        **PRODUCTION,
    )

    assert result.stdout.strip() == "Asia/Ho_Chi_Minh True vi ['vi', 'en']"


def test_it_passes_the_deployment_check_with_production_settings():
    result = run_django(
        "from django.core.management import call_command\n"
        "call_command('check', '--deploy', '--fail-level', 'WARNING')\n",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_it_keeps_cookies_secure_and_http_only_in_production():
    result = run_django(
        "from django.conf import settings as s\n"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,\n"
        "      s.SESSION_COOKIE_SAMESITE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)\n",
        **PRODUCTION,
    )

    assert result.stdout.strip() == "True True True Lax True 31536000", result.stderr
