"""One settings file, driven by the environment.

SQLite in ``HEADWAY_DATA_DIR`` (default ``./var``) unless ``DATABASE_URL`` names another database.
Secrets come from the environment or from a file named by ``<NAME>_FILE``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    """Read ``name`` from the environment, or from the file named by ``$<name>_FILE``."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated setting as a list, each item stripped, empty ones left out."""
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
DATA_DIR = Path(env("HEADWAY_DATA_DIR", str(Path.cwd() / "var"))).resolve()
# The SQLite database and the job queue live here; make sure it exists before either opens.
DATA_DIR.mkdir(parents=True, exist_ok=True)

# A development key only when DEBUG is on or nothing is configured for a local run; production
# deployments set SECRET_KEY (or SECRET_KEY_FILE) and ``check --deploy`` flags the fallback.
DEVELOPMENT_SECRET_KEY = "headway-insecure-development-key-change-me"  # noqa: S105 - a known fallback
SECRET_KEY = env("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
# Production is DEBUG off with a real key: only then are cookies https-only, HSTS sent and plain
# http redirected, so `make run` (http://127.0.0.1:8000, no key) keeps working as it is.
PRODUCTION = not DEBUG and SECRET_KEY != DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o]
SITE_NAME = env("SITE_NAME", "Headway")
# Where people reach this Headway: alert messages link back to the KPI with it.
HEADWAY_BASE_URL = env("HEADWAY_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    # Serves the API docs' Swagger UI from static files (otherwise from a CDN, with an inline
    # script the Content-Security-Policy refuses).
    "ninja",
    "huey.contrib.djhuey",
    "headway.orgs",
    "headway.okrs",
    "headway.kpis",
    "headway.strategy",
    "headway.audit",
    "headway.api",
    "headway.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "headway.orgs.middleware.CurrentOrganizationMiddleware",
    "headway.web.security.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "headway.urls"
# Django's widget templates drawn by Jinja2 (the same HTML, faster): see headway.web.form_renderer.
FORM_RENDERER = "headway.web.form_renderer.WidgetsByJinja2"
WSGI_APPLICATION = "headway.wsgi.application"

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
                "headway.orgs.context_processors.organization",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'headway.sqlite3'}",
        conn_max_age=int(env("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while one of them writes; IMMEDIATE makes a
    # write transaction take the lock up front instead of failing half-way with "database locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "HEADWAY_DB_PREPARE", True
):
    # Parameters bound by the server, and a statement prepared once a connection has run it five
    # times: PostgreSQL stops planning it again (about 1 ms for the pages' joins of five or six
    # tables, more than running them). Off (0) behind a pooler in transaction mode that does
    # not keep prepared statements (PgBouncer before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )

# The cache keeps derived bytes that are expensive to make again (report PDFs, keyed by a digest
# of what they are drawn from). Each process has its own unless CACHE_REDIS_URL names a Redis
# that every web worker shares.
_cache_redis = env("CACHE_REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_redis}
        if _cache_redis
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 200},
        }
    )
}
# How long a drawn report PDF is kept (seconds; 0 draws every one afresh).
HEADWAY_PDF_CACHE_SECONDS = int(env("HEADWAY_PDF_CACHE_SECONDS", "3600"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "headway@localhost")
# SMTP, when EMAIL_BACKEND is django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

# Background jobs: a SQLite file next to the database by default (no extra server); Redis when
# HUEY_REDIS_URL is set, so several workers can share one queue.
_huey_redis = env("HUEY_REDIS_URL")
HUEY = {
    "name": "headway",
    "immediate": env_bool("HUEY_IMMEDIATE", False),
    **(
        {"huey_class": "huey.RedisHuey", "url": _huey_redis}
        if _huey_redis
        else {"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "huey.sqlite3")}
    ),
}

# Read-only databases that KPI data sources may query, by name: "name=url,name2=url2" (commas or
# new lines between them; a PostgreSQL URL, or sqlite:////absolute/path.db). Headway opens them
# read-only; give the PostgreSQL ones a read-only role as well.
HEADWAY_SQL_SOURCES = {
    name.strip(): url.strip()
    for name, _, url in (
        item.partition("=") for item in env("HEADWAY_SQL_SOURCES").replace("\n", ",").split(",")
    )
    if name.strip() and url.strip()
}
# Hosts JSON data sources may download from, by comma: names (metrics.internal), wildcards
# (*.example.com), addresses or networks (10.1.2.0/24), and "*" for any public address. The
# default "*" keeps a source away from loopback, private, link-local (cloud metadata) and other
# internal addresses; name an internal host here to allow it.
HEADWAY_SOURCE_HOSTS = env_list("HEADWAY_SOURCE_HOSTS", "*")
# Where alert webhooks may post, in the same form: by default any public address.
HEADWAY_WEBHOOK_HOSTS = env_list("HEADWAY_WEBHOOK_HOSTS", "*")
# Seconds a data source's query or download may take.
HEADWAY_SOURCE_TIMEOUT = float(env("HEADWAY_SOURCE_TIMEOUT", "30"))
# A bulk upsert of 50,000 rows (the API's limit per batch) is 3-5 MB of JSON; Django's default
# of 2.5 MB would refuse it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The pages send the CSRF token in the form or in htmx's X-CSRFToken header, never from the
# cookie, so no script needs to read it.
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# A load balancer's health probe speaks plain http to the worker itself.
SECURE_REDIRECT_EXEMPT = [r"^health$"]
# Behind a reverse proxy that ends TLS, trust its X-Forwarded-Proto (and, for the sign-in limit,
# the address it appends to X-Forwarded-For). Only when told so: a client could send them too.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A year, the length browsers' preload lists ask for; HSTS_SECONDS=0 turns it off.
SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS", "31536000")) if PRODUCTION else 0
# Subdomains of Headway's own host (headway.example.com), not of the company's domain: safe to
# include. Preloading is a promise about the whole registered domain that is slow to take back,
# so it is the deployer's decision (HSTS_PRELOAD=1) and off by default.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Sign-in attempts: a username or a client address that failed this many times within the
# window is refused (HTTP 429) until the window has passed, before its password is checked.
AUTHENTICATION_BACKENDS = ["headway.orgs.sign_in.RateLimitedModelBackend"]
HEADWAY_SIGN_IN_WINDOW_MINUTES = int(env("SIGN_IN_WINDOW_MINUTES", "15"))
HEADWAY_SIGN_IN_USERNAME_LIMIT = int(env("SIGN_IN_USERNAME_LIMIT", "5"))
# Higher per address: an office behind one NAT address signs in from it all morning.
HEADWAY_SIGN_IN_ADDRESS_LIMIT = int(env("SIGN_IN_ADDRESS_LIMIT", "20"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # A PDF makes WeasyPrint log each layout step and fontTools each table it subsets (hundreds
    # of INFO lines a report): only their warnings reach the log.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 100
NINJA_PAGINATION_MAX_LIMIT = 1000
