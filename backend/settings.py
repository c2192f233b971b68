"""The one settings module, read from the environment.

Every variable is documented in the README. A bad value stops the process at start-up with
`ImproperlyConfigured` instead of running with a silent default.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

# Lets generic classes such as ModelAdmin[Paper] be subscripted at run time, as mypy sees them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of {sorted(_TRUE | _FALSE - {''})}, got {raw!r}"
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

# A development key is only acceptable while DEBUG is on; production must bring its own.
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off")
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must not be the development key in production")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
# Where people reach the site: links in emails (invitations) are built from it.
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")
if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", SITE_URL):
    raise ImproperlyConfigured(
        "SITE_URL must be an absolute http(s) URL, e.g. https://papers.example.org"
    )
if not DEBUG and not SITE_URL.startswith("https://"):
    raise ImproperlyConfigured("SITE_URL must use https when DJANGO_DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Before allauth, so its templates (allauth/layouts/base.html) put allauth's pages in
    # the app's layout.
    "readinglist",
    "allauth",
    "allauth.account",
    "allauth.headless",
    "allauth.usersessions",
    "django_tasks_db",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backend.input_limits.RefuseMalformedInput",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

# Flash messages live in the server-side session, not in a cookie: some carry secrets (a
# new invitation's one-time link) that must not travel in a readable cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "readinglist.web.context.unread_notifications",
            ],
        },
    },
]

# No DATABASE_URL means the embedded SQLite file, so `runserver` works with no configuration.
_DATABASE_URL = env_str("DATABASE_URL", "")
_SQLITE_PATH = env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
_CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 60)
try:
    DATABASES = {
        "default": dj_database_url.parse(
            _DATABASE_URL or f"sqlite:///{_SQLITE_PATH}",
            conn_max_age=_CONN_MAX_AGE,
            conn_health_checks=True,
        )
    }
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; a generous timeout turns lock contention into waiting, not errors.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # The worker (`manage.py worker`) and the server share the file: with write-ahead logging
    # a writer never blocks the other's readers.
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL;"
else:
    # PostgreSQL's default random_page_cost (4) models spinning disks; with SSDs or a cached
    # working set it makes the planner filter a whole library row by row instead of using
    # the search GIN index (measured: 19 ms against 3.5 ms). Empty keeps the server's value.
    _RANDOM_PAGE_COST = env_str("DB_RANDOM_PAGE_COST", "1.1")
    if _RANDOM_PAGE_COST:
        try:
            float(_RANDOM_PAGE_COST)
        except ValueError:
            raise ImproperlyConfigured("DB_RANDOM_PAGE_COST must be a number") from None
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            f"-c random_page_cost={_RANDOM_PAGE_COST}"
        )


def cache_url(name: str) -> str:
    """A Redis URL for Django's RedisCache (redis://, rediss:// or unix://), or "" for the
    in-process cache."""
    raw = env_str(name, "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    try:
        parts.port  # noqa: B018  # raises on a port that is not a number
        database = parts.path.strip("/")
        if parts.scheme in {"redis", "rediss"} and database:
            int(database)
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a bad port or database number: {raw!r}") from None
    if parts.scheme not in {"redis", "rediss", "unix"} or (
        parts.scheme != "unix" and not parts.hostname
    ):
        raise ImproperlyConfigured(
            f"{name} must be a Redis URL such as redis://127.0.0.1:6379/0, got {raw!r}"
        )
    return raw


# Rate-limit counters (DRF, allauth, admin log-ins, import quotas) live in "default", ranked
# search results in "search". In-process (locmem) by default: each app server counts for
# itself, so N servers let N times a rate through and rank a search N times. CACHE_URL puts
# both in one Redis that every app server shares (the results under their own key prefix,
# CACHE_KEY_PREFIX apart from another install's). A separate "search" alias keeps a burst of
# distinct searches from evicting the counters (locmem's MAX_ENTRIES; with Redis, give it a
# maxmemory-policy that evicts keys with a TTL first, or none).
# SEARCH_CACHE_SECONDS=0 ranks every search afresh (what the benchmark's uncached runs use).
_SEARCH_CACHE_SECONDS = env_int("SEARCH_CACHE_SECONDS", 60)
CACHE_URL = cache_url("CACHE_URL")
_CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "")
if CACHE_URL:
    _REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    CACHES = {
        "default": {**_REDIS, "KEY_PREFIX": _CACHE_KEY_PREFIX},
        "search": (
            {
                **_REDIS,
                "KEY_PREFIX": f"{_CACHE_KEY_PREFIX}search",
                "TIMEOUT": _SEARCH_CACHE_SECONDS,
            }
            if _SEARCH_CACHE_SECONDS
            else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
        ),
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "default",
        },
        "search": (
            {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "ranked-search",
                "TIMEOUT": _SEARCH_CACHE_SECONDS,
                "OPTIONS": {"MAX_ENTRIES": 2000},
            }
            if _SEARCH_CACHE_SECONDS
            else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "readinglist.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# django-allauth: email is the login; verification is mandatory before a login counts.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
if ACCOUNT_EMAIL_VERIFICATION not in {"mandatory", "optional", "none"}:
    raise ImproperlyConfigured("ACCOUNT_EMAIL_VERIFICATION must be mandatory, optional or none")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_ADAPTER = "readinglist.accounts.AccountAdapter"
LOGIN_REDIRECT_URL = "/"
HEADLESS_CLIENTS = ("app", "browser")

# Email: printed to the console unless an SMTP host is configured.
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Reading list <noreply@localhost>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "api.authentication.SessionTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.common.PagePagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "api.exceptions.handle_exception",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
_RATE = re.compile(r"^\d+/(s|sec|m|min|h|hour|d|day)$")


def env_rate(name: str, default: str) -> str | None:
    """A DRF rate like "120/min", or "off" for no limit."""
    value = env_str(name, default).strip()
    if value == "off":
        return None
    if not _RATE.match(value):
        raise ImproperlyConfigured(f"{name} must look like 120/min (or be off), got {value!r}")
    return value


# Per-user request rates (429 with Retry-After beyond them); see api/throttling.py.
API_THROTTLE_RATES = {
    "save": env_rate("API_THROTTLE_SAVE", "120/min"),
    "lookup": env_rate("API_THROTTLE_LOOKUP", "600/min"),
}
# Request bodies above this are refused with 400 before any view parses them.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_MAX_BODY_BYTES", 2_621_440, minimum=1024)

SPECTACULAR_SETTINGS = {
    "TITLE": "Reading list API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "MembershipRoleEnum": "readinglist.models.Membership.Role",
    },
}

# Background work (imports, metadata enrichment) goes through Django's tasks framework, queued
# in the project's database (django-tasks-db) and run by `manage.py worker`: any number of
# workers on any machines share the queue through the database.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Posted log-ins on the admin site per client address and per user name in a window (the
# cache is per process unless CACHE_URL names a shared one: a floor, not a ceiling).
ADMIN_LOGIN_ATTEMPTS = env_int("ADMIN_LOGIN_ATTEMPTS", 10, minimum=1)
ADMIN_LOGIN_WINDOW_SECONDS = env_int("ADMIN_LOGIN_WINDOW_SECONDS", 300, minimum=1)

# Imported records per person per window, from the API and the web pages alike.
IMPORT_RECORDS_PER_WINDOW = env_int("IMPORT_RECORDS_PER_HOUR", 20_000, minimum=1)
IMPORT_RECORDS_WINDOW_SECONDS = 3600

# Emailed invitations, against a lab (or a hijacked account) mailing strangers in bulk.
INVITATION_EMAILS_PER_ACCOUNT_HOUR = env_int("INVITATION_EMAILS_PER_ACCOUNT_HOUR", 20, minimum=1)
INVITATION_EMAILS_PER_LAB_DAY = env_int("INVITATION_EMAILS_PER_LAB_DAY", 50, minimum=1)

# A running import whose worker has not reported progress for this long is taken to have
# died with its worker, and another worker starts it again (`manage.py worker`).
IMPORT_STALE_SECONDS = env_int("IMPORT_STALE_SECONDS", 120, minimum=5)

# Ask the registries (arXiv, Crossref, DataCite, OpenReview, ACL Anthology, PubMed) about
# every new paper, on the worker. Off only for installs that must never reach the network.
ENRICHMENT_ENABLED = env_bool("ENRICHMENT_ENABLED", True)
# Who to contact about this install's registry traffic (Crossref's and NCBI's etiquette).
REGISTRY_CONTACT_EMAIL = env_str("REGISTRY_CONTACT_EMAIL", "")
if REGISTRY_CONTACT_EMAIL and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", REGISTRY_CONTACT_EMAIL):
    raise ImproperlyConfigured(
        f"REGISTRY_CONTACT_EMAIL must be an email address, got {REGISTRY_CONTACT_EMAIL!r}"
    )

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Production hardening follows DEBUG; each piece can still be tuned behind a proxy.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_TLS_PROXY", False) else None
)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Preloading is hard to undo (browsers ship the list), so the operator opts in explicitly.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Pages load only their own scripts and styles; the few inline scripts carry a per-response
# nonce. Stored text (titles, notes, comments) therefore cannot run even if escaping failed.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "backend.logging.JsonFormatter"},
    },
    "filters": {"redact_secrets": {"()": "backend.redact.RedactSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
