"""Settings, read from the environment.

CCHUB_MODE            development (default) or production
CCHUB_DATA_DIR        where the SQLite database, uploads and releases live (default ./var)
CCHUB_DATABASE_URL    e.g. postgres://user@127.0.0.1:5432/cchub (default: SQLite in the data dir)
CCHUB_SECRET_KEY      required in production (at least 50 characters, not the demo key)
CCHUB_DEBUG           1/0; defaults to 1 in development, must be 0 in production
CCHUB_ALLOWED_HOSTS   comma-separated host names (production)
CCHUB_TASKS_INLINE    1 runs background tasks inline (tests); default uses the database queue
CCHUB_MAX_UPLOAD_MB   largest accepted upload or request body (default 10)
CCHUB_EMAIL_HOST      SMTP server for outgoing mail (default: none; mail is written to
                      DATA_DIR/outbox as files); CCHUB_EMAIL_PORT, CCHUB_EMAIL_USER,
                      CCHUB_EMAIL_PASSWORD, CCHUB_EMAIL_TLS=1 as the server needs
CCHUB_EMAIL_FROM      sender of the hub's mail (default "CC Hub support <support@cchub.localhost>")
CCHUB_SUPPORT_ADDRESS address that receives replies: support+TOKEN@domain (default
                      support@cchub.localhost); point its mail at `cchub mail-server`
CCHUB_SUPPORT_AUTOCLOSE_DAYS  working days after which solved tickets close (default 10)
CCHUB_SUPPORT_MAX_ATTACHMENT_MB  largest attachment (default 5)
CCHUB_LOGIN_FAILURES / CCHUB_LOGIN_COOLOFF_MINUTES  sign-in lockout (5, 15); CCHUB_LOGIN_THROTTLE=0 off
CCHUB_SUPPORT_RATE_GUEST_IP / _GUEST_EMAIL / _USER  new questions allowed (10/h, 5/h, 30/h)
CCHUB_SUPPORT_UNCONFIRMED_DAYS  unconfirmed guest questions are deleted after (default 7)
CCHUB_SUPPORT_TRIAGE_HOURS  working hours a question may wait in triage before triagers are warned (default 4)
CCHUB_SUPPORT_REPORT_DAY  day of the month the monthly helpdesk report is mailed (default 1)
CCHUB_REDIS_URL       shared cache for the rate limits (several processes)
CCHUB_HSTS_SECONDS    Strict-Transport-Security in production (default one year)
See docs/security.md.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
DEMO_SECRET_KEY = "cchub-development-only-secret-key-do-not-use-in-production-0123456789"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


MODE = os.environ.get("CCHUB_MODE", "development").strip().lower()
if MODE not in {"development", "production"}:
    raise ImproperlyConfigured(f"CCHUB_MODE must be 'development' or 'production', not {MODE!r}")
PRODUCTION = MODE == "production"

DATA_DIR = Path(os.environ.get("CCHUB_DATA_DIR", "./var")).resolve()
SECRET_KEY = os.environ.get("CCHUB_SECRET_KEY", "" if PRODUCTION else DEMO_SECRET_KEY)
DEBUG = env_bool("CCHUB_DEBUG", not PRODUCTION)

if PRODUCTION:
    if not SECRET_KEY or SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "Production mode refuses to start: set CCHUB_SECRET_KEY to a random string of at "
            "least 50 characters (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    if len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("Production mode refuses to start: CCHUB_SECRET_KEY is trivial.")
    if DEBUG:
        raise ImproperlyConfigured("Production mode refuses to start with CCHUB_DEBUG enabled.")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "CCHUB_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
    ).split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "cchub.lib",
    "cchub.accounts",
    "cchub.history",
    "cchub.vocab",
    "cchub.search",
    "cchub.registry",
    "cchub.glossary",
    "cchub.support",
    "cchub.training",
    "cchub.onboarding",
    "cchub.interop",
    "cchub.landscape",
    "cchub.wiring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cchub.lib.middleware.body_size_limit",
    "cchub.lib.middleware.strip_nul",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "cchub.lib.middleware.permissions_policy",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Sign-in throttling (django-axes): after CCHUB_LOGIN_FAILURES failed attempts for one user
# name from one address, that pair is locked out for CCHUB_LOGIN_COOLOFF_MINUTES (the page
# says so, with 429); a success resets the count. Applies to the site's and the admin's login.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("CCHUB_LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = int(os.environ.get("CCHUB_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("CCHUB_LOGIN_COOLOFF_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False

ROOT_URLCONF = "cchub.urls"
WSGI_APPLICATION = "cchub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cchub.accounts.context.site",
            ],
            "builtins": ["cchub.lib.templatetags.safety"],
        },
    },
]

_db_url = os.environ.get("CCHUB_DATABASE_URL", "").strip()
if _db_url:
    DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "cchub.sqlite3"),
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MAX_UPLOAD_BYTES = int(float(os.environ.get("CCHUB_MAX_UPLOAD_MB", "10")) * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

TASKS_INLINE = env_bool("CCHUB_TASKS_INLINE", False)
# Hybrid keyword + semantic search when the `semantic` extra is installed.
SEMANTIC_SEARCH = env_bool("CCHUB_SEMANTIC", True)
# SQLite: from this many documents, relevance searches do bounded work (cchub/search/bounded.py).
SEARCH_BOUNDED_FROM = int(os.environ.get("CCHUB_SEARCH_BOUNDED_FROM", "20000"))
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TASKS_INLINE
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

EMAIL_HOST = os.environ.get("CCHUB_EMAIL_HOST", "").strip()
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("CCHUB_EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("CCHUB_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("CCHUB_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("CCHUB_EMAIL_TLS", False)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "outbox")
DEFAULT_FROM_EMAIL = os.environ.get("CCHUB_EMAIL_FROM", "CC Hub support <support@cchub.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SUPPORT_ADDRESS = os.environ.get("CCHUB_SUPPORT_ADDRESS", "support@cchub.localhost")
SUPPORT_AUTOCLOSE_DAYS = int(os.environ.get("CCHUB_SUPPORT_AUTOCLOSE_DAYS", "10"))
SUPPORT_MAX_ATTACHMENT_BYTES = int(float(os.environ.get("CCHUB_SUPPORT_MAX_ATTACHMENT_MB", "5")) * 1048576)
SUPPORT_AUTO_ROUTE = env_bool("CCHUB_SUPPORT_AUTO_ROUTE", True)
# Abuse limits on new questions (django-ratelimit; "N/s|m|h|d"): guests per address of origin
# and per e-mail address, signed-in people per account. Unconfirmed guest questions are
# deleted after CCHUB_SUPPORT_UNCONFIRMED_DAYS.
RATELIMIT_ENABLE = env_bool("CCHUB_RATE_LIMITS", True)
SUPPORT_RATE_GUEST_IP = os.environ.get("CCHUB_SUPPORT_RATE_GUEST_IP", "10/h")
SUPPORT_RATE_GUEST_EMAIL = os.environ.get("CCHUB_SUPPORT_RATE_GUEST_EMAIL", "5/h")
SUPPORT_RATE_USER = os.environ.get("CCHUB_SUPPORT_RATE_USER", "30/h")
SUPPORT_UNCONFIRMED_DAYS = int(os.environ.get("CCHUB_SUPPORT_UNCONFIRMED_DAYS", "7"))
SUPPORT_BRIDGE_PRIVATE = env_bool("CCHUB_SUPPORT_BRIDGE_PRIVATE", False)  # bridges to desks on a private net
SUPPORT_TRIAGE_HOURS = float(os.environ.get("CCHUB_SUPPORT_TRIAGE_HOURS", "4"))
# Where the network is asked by e-mail: new questions sent to SUPPORT_ADDRESS (or to
# support+c-<centre>@ for one centre) open tickets.
SUPPORT_REPORT_DAY = int(os.environ.get("CCHUB_SUPPORT_REPORT_DAY", "1"))
# The rate limits count in the default cache: one process's memory for the single-process
# server `cchub serve`, Redis when CCHUB_REDIS_URL is set (several processes or machines).
_redis_url = os.environ.get("CCHUB_REDIS_URL", "").strip()
if _redis_url:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

FORMS_URLFIELD_ASSUME_HTTPS = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = env_bool("CCHUB_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Sent on HTTPS answers (behind a TLS proxy, once the proxy's scheme header is trusted).
    SECURE_HSTS_SECONDS = int(os.environ.get("CCHUB_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CCHUB_HSTS_SUBDOMAINS", False)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): scripts, styles, fonts and requests from the hub
# itself only; no inline script, no plugins, no framing (the onboarding embed is the one page
# meant for other sites' iframes and relaxes frame-ancestors for itself).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

SITE_NAME = os.environ.get("CCHUB_SITE_NAME", "CC Hub")
SITE_URL = os.environ.get("CCHUB_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# OAI-PMH: the namespace of our identifiers (oai:<id>:centre/escape-cc; default: the site's
# domain name, or cchub.localhost) and the address harvesters write to.
OAI_REPOSITORY_ID = os.environ.get("CCHUB_OAI_ID", "").strip()
OAI_ADMIN_EMAIL = os.environ.get("CCHUB_ADMIN_EMAIL", SUPPORT_ADDRESS)
OAI_PAGE_SIZE = int(os.environ.get("CCHUB_OAI_PAGE_SIZE", "100"))  # records a ListRecords page
# DCAT-AP: who publishes the catalogue, and the licence of the hub's data.
PUBLISHER_NAME = os.environ.get("CCHUB_PUBLISHER", "")
DATA_LICENCE = os.environ.get("CCHUB_DATA_LICENCE", "CC-BY-4.0")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CCHUB_LOG_LEVEL", "WARNING")},
}
