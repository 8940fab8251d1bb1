"""Django settings for doudi.

Everything that differs between a laptop demo and a bureau's production server comes from the
environment, so that one code base serves both:

- ``DOUDI_DATABASE_URL``: ``sqlite:///path`` (the embedded default) or ``postgres://user@host:port/name``.
- ``DOUDI_SECRET_KEY`` (required outside the demo and the tests), ``DOUDI_DEBUG`` (off unless
  ``DOUDI_DEMO=1``), ``DOUDI_ALLOWED_HOSTS``, ``DOUDI_DATA_DIR``.
- ``DOUDI_HTTPS=1``: Secure cookies, HTTPS redirect, HSTS, ``X-Forwarded-Proto`` from the proxy.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
DATA_DIR = Path(os.environ.get("DOUDI_DATA_DIR", PROJECT_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


def database_from_url(url: str) -> dict:
    """Return a Django DATABASES entry for a ``sqlite://`` or ``postgres://`` URL."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if parsed.netloc:  # sqlite://relative/path
            path = parsed.netloc + path
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or str(DATA_DIR / "doudi.sqlite3"),
            "OPTIONS": {
                # WAL lets the web process read while the task worker writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "doudi",
            "USER": unquote(parsed.username or "postgres"),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "127.0.0.1",
            "PORT": str(parsed.port or 5432),
            "CONN_MAX_AGE": 60,
            # A kept connection is checked before a request reuses it: after PostgreSQL restarts,
            # the next request reconnects instead of failing on the dead socket.
            "CONN_HEALTH_CHECKS": True,
        }
    raise ValueError(f"DOUDI_DATABASE_URL: unsupported scheme {parsed.scheme!r}")


# Secure unless told otherwise. ``DOUDI_DEMO=1`` (set by ``scripts/run``) is the laptop demo: debug
# pages and the public demo key. A test run (pytest sets ``PYTEST_VERSION`` before Django reads these
# settings) may use the demo key too. Anything else is a real deployment and must bring its own key:
# with the public one anybody could sign sessions, password-reset links and CSRF tokens.
DEMO = _env_bool("DOUDI_DEMO", False)
TESTING = "PYTEST_VERSION" in os.environ
DEBUG = _env_bool("DOUDI_DEBUG", DEMO)
DEMO_SECRET_KEY = "doudi-demo-insecure-key-change-me-in-production"
SECRET_KEY = os.environ.get("DOUDI_SECRET_KEY", "")
if not SECRET_KEY or SECRET_KEY == DEMO_SECRET_KEY:
    if not (DEMO or TESTING):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "DOUDI_SECRET_KEY 未设置（或仍是公开的演示密钥）：生产环境必须设置一个随机密钥，例如 "
            "export DOUDI_SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')\"；"
            "仅在本机演示时可设置 DOUDI_DEMO=1 使用演示密钥。"
        )
    SECRET_KEY = DEMO_SECRET_KEY
ALLOWED_HOSTS = os.environ.get("DOUDI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    # First, so that its templates/admin/ override the admin's own (the admin in Chinese, #12).
    "doudi.core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "doudi.regions",
    "doudi.accounts",
    "doudi.audit",
    "doudi.registry",
    "doudi.policy",
    "doudi.cases",
    "doudi.verification",
    "doudi.monitoring",
    "doudi.payments",
    "doudi.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the WSGI server, compressed and, under scripts/serve, with
    # far-future caching of content-hashed names: no separate web server needed on an intranet.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "doudi.urls"
WSGI_APPLICATION = "doudi.wsgi.application"

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
                "doudi.core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": database_from_url(os.environ.get("DOUDI_DATABASE_URL", f"sqlite:///{DATA_DIR / 'doudi.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Failed logins are throttled per user name and address: five failures lock for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("DOUDI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
# Chinese only: with a second language, Django's own messages (form errors, 404s) would follow an
# English browser's Accept-Language and reach people in English.
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS: list = []
# The charting library comes from npm (node_modules/echarts), served by doudi itself: no CDN.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "doudi.reports.staticfinders.VendorFinder",
]
# ``DOUDI_STATIC_MANIFEST=1`` (scripts/serve, after collectstatic): hashed, pre-compressed static
# files that browsers may cache for a year. Off elsewhere, as it needs collectstatic to have run.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _env_bool("DOUDI_STATIC_MANIFEST", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

REST_FRAMEWORK = {
    # The token class comes first: DRF answers 401 (with ``WWW-Authenticate: Token``) rather than
    # 403 to a request without credentials only when the first class names a challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "doudi.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "doudi.core.api.exception_handler",
}
# API tokens (doudi.accounts.tokens): a new token lasts this many days unless its user asks for
# fewer; nobody can ask for more than the maximum.
API_TOKEN_DEFAULT_DAYS = int(os.environ.get("DOUDI_API_TOKEN_DAYS", "90"))
API_TOKEN_MAX_DAYS = int(os.environ.get("DOUDI_API_TOKEN_MAX_DAYS", "365"))

SPECTACULAR_SETTINGS = {
    "TITLE": "doudi 兜底 API",
    "DESCRIPTION": "社会救助信息系统接口：所有接口需要登录，数据范围与页面一致（仅本辖区）。",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and Swagger UI need a login too: nothing is public by default.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from the sidecar package: bureaus run on intranets, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # 城乡类别 is both a household's area_type and a person's hukou_type: one enum, one name.
    # A household's status and the enrolment programmes also appear under several field names.
    "ENUM_NAME_OVERRIDES": {
        "AreaTypeEnum": "doudi.regions.models.AreaType",
        "HouseholdStatusEnum": "doudi.registry.models.household.HouseholdStatus",
        "ProgrammeEnum": "doudi.cases.models.enrolment.Programme",
    },
}

# Background jobs: django-tasks with its database backend, so the demo needs no broker;
# a bureau can point "default" at any django-tasks backend without touching the jobs.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("DOUDI_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# ``DOUDI_LOG_DIR``: also write ``doudi.log`` there. A WatchedFileHandler reopens the file when
# logrotate has moved it (deploy/logrotate.conf), so every process of gunicorn and the worker can
# write to it without one of them rotating under the others.
LOG_DIR = os.environ.get("DOUDI_LOG_DIR", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        **(
            {
                "file": {
                    "class": "logging.handlers.WatchedFileHandler",
                    "filename": str(Path(LOG_DIR) / "doudi.log"),
                    "formatter": "plain",
                    "encoding": "utf-8",
                }
            }
            if LOG_DIR
            else {}
        ),
    },
    "root": {
        "handlers": ["console", "file"] if LOG_DIR else ["console"],
        "level": os.environ.get("DOUDI_LOG_LEVEL", "WARNING"),
    },
}

# The daily jobs the worker enqueues itself (``doudi.core.scheduler``): (name, task, local time).
# Each runs once a day however many workers there are; a worker that was down runs the day's
# missed jobs when it comes back.
DAILY_JOBS = [
    ("run_case_tasks", "doudi.cases.tasks.run_case_tasks", "01:30"),
    ("run_monitoring", "doudi.monitoring.tasks.run_monitoring", "02:30"),
    ("purge_feeds", "doudi.verification.tasks.purge_feeds", "03:30"),
    ("build_month_snapshots", "doudi.reports.tasks.build_month_snapshots", "04:30"),
]

# Sessions are read from the process's cache and written through to the database: every page
# otherwise spends a query on its session (docs/benchmarks.md, household list page).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

# HTTPS (``DOUDI_HTTPS=1``): cookies only over TLS, plain HTTP redirected, and HSTS so that browsers
# never try plain HTTP again. Behind a reverse proxy that ends TLS, doudi trusts the proxy's
# ``X-Forwarded-Proto: https``; the proxy must set (not pass through) that header.
HTTPS = _env_bool("DOUDI_HTTPS", False)
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DOUDI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # One year, the usual value (and the minimum of browsers' preload lists); start lower
    # (DOUDI_HSTS_SECONDS=3600) while trying HTTPS out, as browsers remember it that long.
    SECURE_HSTS_SECONDS = int(os.environ.get("DOUDI_HSTS_SECONDS", str(365 * 24 * 3600)))
    # includeSubDomains covers only names under doudi's own host name, not its siblings.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading asks browser makers to hard-code the domain: a decision of whoever owns the
    # bureau's domain, hard to undo, so it is opt-in and its check is not a warning here.
    SECURE_HSTS_PRELOAD = _env_bool("DOUDI_HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
