"""Settings for Kỷ Cương, read from environment variables only.

Every variable is listed with its default in `.env.example`. A bad value stops
start-up with ImproperlyConfigured naming the variable, never a silent default.
"""

import re
import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Variables already in the process environment win over the .env file.
environ.Env.read_env(BASE_DIR / ".env")

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    raw = env.str(name, default="").strip().lower()
    if raw == "":
        return default
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    raw = env.str(name, default="").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env.str(name, default="")
    if raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, default: str) -> dict:
    url = env.str(name, default="").strip() or default
    supported = {"django.db.backends.postgresql", "django.db.backends.sqlite3"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # environ warns on unknown schemes; we raise below
            config = environ.Env.db_url_config(url)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {error}.") from None
    if config.get("ENGINE") not in supported:
        raise ImproperlyConfigured(
            f"{name} must start with postgres:// or sqlite:///, got {url.split(':', 1)[0]!r}."
        )
    return config


def env_cache(name: str, default: str) -> dict:
    url = env.str(name, default="").strip() or default
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in {"locmemcache", "redis", "rediss"}:
        raise ImproperlyConfigured(
            f"{name} must start with redis://, rediss:// or locmemcache://, got {url!r}."
        )
    if scheme == "locmemcache":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a bad port: {url!r}.") from None
    if not parts.hostname or not re.fullmatch(r"(/\d{1,2})?/?", parts.path):
        raise ImproperlyConfigured(
            f"{name} looks like redis://HOST:6379/0 (database number optional), got {url!r}."
        )
    # Django's own Redis backend (needs only the redis package), whatever environ prefers.
    return environ.Env.cache_url_config(url, backend="django.core.cache.backends.redis.RedisCache")


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off: set it to a long random string "
            "(make run writes one into .env)."
        )
    # Development only: sessions do not survive a restart, which is fine there.
    SECRET_KEY = get_random_secret_key()
elif not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long when DEBUG is off.")

# HTTPS on by default: production must not depend on someone remembering it.
HTTPS = env_bool("HTTPS", default=not DEBUG)
TRUST_X_FORWARDED_PROTO = env_bool("TRUST_X_FORWARDED_PROTO", default=False)
# Behind a reverse proxy: take the client's address from the proxy's X-Forwarded-For entry.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", default=False)

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when DEBUG is off, e.g. kycuong.gov.vn.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
for origin in CSRF_TRUSTED_ORIGINS:
    if not re.match(r"^https?://[^/\s]+$", origin):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entries look like https://kycuong.gov.vn, got {origin!r}."
        )

ADMIN_URL = env.str("ADMIN_URL", default="").strip() or "quan-tri-he-thong/"
if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*(/[A-Za-z0-9_-]+)*/", ADMIN_URL):
    raise ImproperlyConfigured(
        f"ADMIN_URL must be a path like 'quan-tri-he-thong/' (no leading slash, one at the end), "
        f"got {ADMIN_URL!r}."
    )
if ADMIN_URL == "admin/":
    raise ImproperlyConfigured("ADMIN_URL must not be the guessable default 'admin/'.")

INSTALLED_APPS = [
    "portal.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks_db",
    "django_htmx",
    "core",
    "portal",
    "personnel",
    "inspections",
    "emulation",
    "exports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before anything reads the session or the body: a refused method costs nothing.
    "portal.middleware.AllowedMethodsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.SessionRefreshMiddleware",
    "portal.middleware.LanguageMiddleware",
    # After the language is chosen, so that its 400 page speaks the user's language.
    "portal.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    # request.htmx: the roll call answers a tap in place with the person's row alone.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.twofactor.middleware.SecondStepMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]
# Django's renderer, with its inputs, labels and selects written out in Python (core.forms).
FORM_RENDERER = "core.forms.FormRenderer"

DATABASES = {
    "default": env_database("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
# A kept connection that died between requests (database restarted) is replaced, not used:
# without this the first request after a restart fails (tests/system/test_database_faults.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Gunicorn runs several workers: wait for the write lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The tests' database in a file, not in memory: an in-memory database shared between the
    # live server's threads locks whole tables and fails a concurrent request at once (the
    # phone's service worker keeps pages while the inspector works), where a file waits.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test-db.sqlite3")}

# Sessions stay in the database; the cache is per process unless CACHE_URL names a Redis
# server that every gunicorn server shares.
CACHES = {"default": env_cache("CACHE_URL", default="locmemcache://")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts
AUTH_USER_MODEL = "personnel.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "portal.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    # Django's 20,000 common passwords and portal/common-passwords-vi.txt, offline.
    {"NAME": "portal.passwords.CommonPasswordValidator"},
    {"NAME": "portal.passwords.PersonalPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend reading the signed-in user with their unit and roles in one query.
    "personnel.backends.UserWithRolesBackend",
]

# Two-factor sign-in (TOTP): wrong codes wait 1, 2, 4, 8 … seconds (django-otp's throttle).
OTP_TOTP_ISSUER = "Kỷ Cương"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Sessions end after this many minutes without a request. The expiry is pushed forward at
# most once a minute (portal.middleware.SessionRefreshMiddleware), not on every request: an
# idle session ends up to a minute before SESSION_IDLE_MINUTES, never after.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login throttling. Locked by account and address together: a ward office shares one
# public address, so locking the address alone would shut out every colleague.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "core.network.client_ip"
AXES_LOCKOUT_CALLABLE = "portal.views.login_locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Citizen reports accepted from one address in an hour, counted in the database so that
# every gunicorn worker sees the same count.
CITIZEN_REPORTS_PER_HOUR = env_int("CITIZEN_REPORTS_PER_HOUR", 5, minimum=1)
# Tracking codes matching no report that one address may try in an hour before its lookups
# are refused, counted in the cache: shared by every server with CACHE_URL on Redis.
TRACKING_CODE_MISSES_PER_HOUR = env_int("TRACKING_CODE_MISSES_PER_HOUR", 10, minimum=1)

# Security headers
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    # The service worker at /sw.js and the web app manifest: the portal installed on a phone.
    "worker-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
if HTTPS:
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The header only allows preloading; nothing happens until the domain is submitted.
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", default=True)
if TRUST_X_FORWARDED_PROTO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Language and time
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "kc_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# dd/mm/yyyy in both languages: the portal serves Vietnamese offices.
FORMAT_MODULE_PATH = ["core.formats"]

# Static and uploaded files
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# htmx and jsQR (the QR decoder for browsers without BarcodeDetector) come from npm
# (package.json pins them; `make run` and `make test` run `npm ci`) and are collected from
# node_modules/ like the portal's own files: no CDN, no copy in the repository.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/jsqr", BASE_DIR / "node_modules" / "jsqr" / "dist"),
]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default="").strip() or BASE_DIR / "var" / "media")
# Largest regulation document accepted, in bytes.
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_PERMISSIONS = 0o640
# Largest evidence photo accepted, in bytes (phone photos are 2 to 6 MB).
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# Most pixels an evidence photo may have, read from its header before it is decoded. Phones
# take 12 to 50 megapixels; Pillow's own guard warns from about 89 megapixels.
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 50_000_000, minimum=1_000_000, maximum=89_000_000)
# Spreadsheet imports: a larger upload is refused before it is read.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# Most rows a spreadsheet may reach, its header included (Excel's own limit is 1048576). The
# other caps on a workbook (shared texts, unpacked size) grow with it: see core/tabular.py.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000, minimum=2, maximum=1_048_576)


def env_media_storage() -> dict:
    """Uploaded and generated files: MEDIA_ROOT on this server, or an S3-compatible bucket
    that every server shares (MEDIA_STORAGE=s3). Objects are private; the portal's views
    stream them after checking who asks, never handing out the bucket's address."""
    kind = env.str("MEDIA_STORAGE", default="").strip().lower() or "local"
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE must be local or s3, got {kind!r}.")
    bucket = env.str("S3_BUCKET", default="").strip()
    if not bucket:
        raise ImproperlyConfigured("S3_BUCKET is required when MEDIA_STORAGE is s3.")
    endpoint = env.str("S3_ENDPOINT_URL", default="").strip()
    if endpoint and not re.match(r"^https?://[^/\s]+/?$", endpoint):
        raise ImproperlyConfigured(
            f"S3_ENDPOINT_URL looks like https://s3.example.gov.vn, got {endpoint!r}."
        )
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint or None,
        "region_name": env.str("S3_REGION", default="").strip() or None,
        # Empty: boto3 finds the keys itself (its environment variables, an instance role).
        "access_key": env.str("S3_ACCESS_KEY_ID", default="").strip() or None,
        "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="").strip() or None,
        "location": env.str("S3_PREFIX", default="").strip().strip("/"),
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
        "addressing_style": "path" if endpoint else None,
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": env_media_storage(),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Background work (the minutes and the council's list as PDF or XLSX): run at once in the
# request (immediate, for one server and the tests) or stored in the database and run by
# `manage.py db_worker` (database, for production: any server may enqueue, a worker runs it).
TASKS_BACKEND = env.str("TASKS_BACKEND", default="").strip().lower() or "immediate"
TASKS = {
    "immediate": {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
    "database": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}},
}.get(TASKS_BACKEND)
if TASKS is None:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be immediate or database, got {TASKS_BACKEND!r}."
    )


def env_mail() -> dict:
    """The default mailer: EMAIL_URL (smtp+tls:// with STARTTLS, smtp+ssl:// on 465, smtp://
    plain to a local relay), else the usual EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
    EMAIL_HOST_PASSWORD, EMAIL_USE_TLS and EMAIL_USE_SSL; with neither, none."""
    url = env.str("EMAIL_URL", default="").strip()
    if url:
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if scheme not in {"smtp", "smtps", "smtp+tls", "smtp+ssl", "consolemail"}:
            raise ImproperlyConfigured(
                "EMAIL_URL must start with smtp+tls://, smtp+ssl://, smtp:// or consolemail://, "
                f"got {url!r}."
            )
        try:
            config = environ.Env.email_url_config(url)
        except ValueError as error:
            raise ImproperlyConfigured(f"EMAIL_URL is not a valid mail URL: {error}.") from None
        if scheme == "consolemail":
            return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
        host, port = config["EMAIL_HOST"], config["EMAIL_PORT"]
        username, password = config["EMAIL_HOST_USER"], config["EMAIL_HOST_PASSWORD"]
        use_tls, use_ssl = config.get("EMAIL_USE_TLS", False), config.get("EMAIL_USE_SSL", False)
    else:
        host = env.str("EMAIL_HOST", default="").strip()
        if not host:
            # Development shows mail in the console; production logs that it was not sent.
            return {
                "BACKEND": "django.core.mail.backends.console.EmailBackend"
                if DEBUG
                else "core.mail.NoServerBackend"
            }
        port = env_int("EMAIL_PORT", 587, minimum=1)
        username = env.str("EMAIL_HOST_USER", default="")
        password = env.str("EMAIL_HOST_PASSWORD", default="")
        use_tls = env_bool("EMAIL_USE_TLS", default=True)
        use_ssl = env_bool("EMAIL_USE_SSL", default=False)
    if use_tls and use_ssl:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true.")
    options = {"host": host, "username": username, "password": password}
    options |= {"use_tls": use_tls, "use_ssl": use_ssl, "timeout": 30}
    if port:
        options["port"] = port
    return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}


# Notices to unit heads and staff (a record submitted or decided), sent by the task worker.
MAILERS = {"default": env_mail()}
DEFAULT_FROM_EMAIL = (
    env.str("DEFAULT_FROM_EMAIL", default="").strip() or "Kỷ Cương <no-reply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The portal's address as its users reach it, for the links in mail.
PORTAL_URL = env.str("PORTAL_URL", default="").strip().rstrip("/")
if PORTAL_URL and not re.match(r"^https?://[^/\s]+(/\S*)?$", PORTAL_URL):
    raise ImproperlyConfigured(f"PORTAL_URL looks like https://kycuong.gov.vn, got {PORTAL_URL!r}.")
# The place name (địa danh) before the date of the portal's documents, as Decree 30/2020/NĐ-CP
# writes it: the city or province where the issuing body sits, e.g. "Lạng Sơn". Empty: the
# name of the unit where the minutes are made.
DOCUMENT_PLACE = " ".join(env.str("DOCUMENT_PLACE", default="").split())


# Digital signatures (ký số) of the minutes, PAdES (core/signing.py). SIGNATURE_BACKEND: none
# (verification only), pkcs12 (a <key name>.p12 file per signer in SIGNATURE_PKCS12_DIR, for
# development) or pkcs11 (a USB token or HSM through its PKCS#11 library). A signer's key name
# is their username unless SIGNATURE_KEY_NAMES maps it ("username=label,…"). The PIN is typed
# at each signing and never stored. (SIGNATURE_, not SIGNING_: Django's SIGNING_BACKEND is the
# cookie signer.)
SIGNATURE_BACKEND = env.str("SIGNATURE_BACKEND", default="").strip().lower() or "none"
if SIGNATURE_BACKEND not in {"none", "pkcs12", "pkcs11"}:
    raise ImproperlyConfigured(
        f"SIGNATURE_BACKEND must be none, pkcs12 or pkcs11, got {SIGNATURE_BACKEND!r}."
    )


def env_key_names(name: str) -> dict[str, str]:
    names = {}
    for item in env_list(name, default=[]):
        username, equals, label = (part.strip() for part in item.partition("="))
        if not equals or not username or not label:
            raise ImproperlyConfigured(
                f"{name} looks like username=key-label,username2=key-label2, got {item!r}."
            )
        names[username] = label
    return names


def env_files(name: str, *, required: bool, must_contain: bytes = b"") -> list[str]:
    paths = env_list(name, default=[])
    if required and not paths:
        raise ImproperlyConfigured(
            f"{name} is required when SIGNATURE_BACKEND is {SIGNATURE_BACKEND}."
        )
    for path in paths:
        if not Path(path).is_file():
            raise ImproperlyConfigured(f"{name} names a file that does not exist: {path!r}.")
        if must_contain and must_contain not in Path(path).read_bytes():
            raise ImproperlyConfigured(f"{name}: {path!r} holds no PEM certificate.")
    return paths


SIGNATURE_KEY_NAMES = env_key_names("SIGNATURE_KEY_NAMES")
SIGNATURE_PKCS12_DIR = env.str("SIGNATURE_PKCS12_DIR", default="").strip()
if SIGNATURE_BACKEND == "pkcs12" and not Path(SIGNATURE_PKCS12_DIR or "/nonexistent").is_dir():
    raise ImproperlyConfigured(
        f"SIGNATURE_PKCS12_DIR must be a folder when SIGNATURE_BACKEND is pkcs12, "
        f"got {SIGNATURE_PKCS12_DIR!r}."
    )
SIGNATURE_PKCS11_LIBRARY = env.str("SIGNATURE_PKCS11_LIBRARY", default="").strip()
if SIGNATURE_BACKEND == "pkcs11" and not Path(SIGNATURE_PKCS11_LIBRARY or "/nonexistent").is_file():
    raise ImproperlyConfigured(
        f"SIGNATURE_PKCS11_LIBRARY must name the token's PKCS#11 library (a .so file) when "
        f"SIGNATURE_BACKEND is pkcs11, got {SIGNATURE_PKCS11_LIBRARY!r}."
    )
# Which token of the library: its label (stable when tokens are plugged in another order), or
# its slot's index in the library's list of slots (from 0). Both empty: the library's only slot.
SIGNATURE_PKCS11_TOKEN = env.str("SIGNATURE_PKCS11_TOKEN", default="").strip()
SIGNATURE_PKCS11_SLOT = (
    env_int("SIGNATURE_PKCS11_SLOT", 0, minimum=0)
    if env.str("SIGNATURE_PKCS11_SLOT", default="").strip()
    else None
)
# PEM files of the root certificates a signature must chain to (the Government Cipher
# Committee's root CA), comma separated. Required to sign; without them no signature verifies.
SIGNATURE_TRUST_ROOTS = env_files(
    "SIGNATURE_TRUST_ROOTS",
    required=SIGNATURE_BACKEND != "none",
    must_contain=b"-----BEGIN CERTIFICATE-----",
)
# CRL files (PEM or DER) read at every check: a closed network copies the CA's lists here.
SIGNATURE_CRLS = env_files("SIGNATURE_CRLS", required=False)
# online: also fetch CRL and OCSP answers from the addresses in the certificates; offline (a
# closed network): only SIGNATURE_CRLS, and a certificate without one is "revocation not checked".
SIGNATURE_REVOCATION = env.str("SIGNATURE_REVOCATION", default="").strip().lower() or "online"
if SIGNATURE_REVOCATION not in {"online", "offline"}:
    raise ImproperlyConfigured(
        f"SIGNATURE_REVOCATION must be online or offline, got {SIGNATURE_REVOCATION!r}."
    )


LOG_LEVEL = env.str("LOG_LEVEL", default="").strip().upper() or "INFO"
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {LOG_LEVEL!r}."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # django-axes logs every successful login at INFO; lockouts still come through as WARNING.
    # fontTools reports each subset of the signature stamp's font, glyph by glyph, and
    # WeasyPrint each step of every PDF it lays out; its stylesheet warnings still come through.
    "loggers": {
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "ERROR"},
        "weasyprint.progress": {"level": "WARNING"},
    },
}
