"""Servewell settings: every value comes from the environment, with documented defaults.

The defaults give the embedded set-up (SQLite in WAL mode, a SQLite job queue, one
process). ``DATABASE_URL`` and ``REDIS_URL`` switch the same code to PostgreSQL and Redis.
See docs/configuration.md for the full list.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from servewell.config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SERVEWELL_VAR_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("SERVEWELL_TESTING", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment; else one generated once into var/secret_key, so
    the embedded set-up is safe by default and sessions survive restarts."""
    key = env_str("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Unset, `servewell run` sets SITE_URL from its own --host and --port.
SITE_URL_CONFIGURED = bool(os.environ.get("SITE_URL"))
# Accounts and customer links (README "Accounts" and "The customer's own page").
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)  # a set-password invitation stays valid
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_HOURS", 24) * 3600
PASSWORD_RESET_LIMIT = env_int("PASSWORD_RESET_LIMIT", 5)  # requests per hour and address
CUSTOMER_LINK_DAYS = env_int("CUSTOMER_LINK_DAYS", 30)  # a customer's conversation link

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "servewell.core",
    "servewell.people",
    "servewell.contacts",
    "servewell.desk",
    "servewell.mail",
    "servewell.livequeue",
    "servewell.commitments",
    "servewell.quality",
    "servewell.autoqa",
    "servewell.experience",
    "servewell.goodwill",
    "servewell.academy",
    "servewell.insights",
    "servewell.capacity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "servewell.core.middleware.StaticFilesMiddleware",
    "servewell.core.middleware.RequestLogMiddleware",
    "servewell.core.middleware.DatabaseBusyMiddleware",
    "servewell.core.refcache.RequestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "servewell.core.middleware.AccessMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "servewell.config.urls"
ASGI_APPLICATION = "servewell.config.asgi.application"
AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
                "servewell.core.context.shell",
                "servewell.people.context.presence",
            ],
            # {% url %} with its answers kept per process (a page writes dozens of links)
            # and ``date`` with each format split once (``core.templatetags.dates``)
            "builtins": [
                "servewell.core.templatetags.kept_urls",
                "servewell.core.templatetags.dates",
            ],
        },
    },
]

# Inputs, text areas and selects written in Python (the same HTML as the templates).
FORM_RENDERER = "servewell.core.formrender.QuickWidgetRenderer"

# --- Database -------------------------------------------------------------------------
# SQLite runs in WAL mode with IMMEDIATE transactions so that the web process and the
# worker threads never hit "database is locked" on a read-to-write upgrade.
DATABASE_URL = env_str("DATABASE_URL", "")


def _sqlite(name: str) -> dict:
    """The one SQLite configuration, whether the file is the default or named by a
    ``sqlite:///`` URL: without WAL, the busy timeout and IMMEDIATE transactions, writers
    meet "database is locked" at once instead of waiting their turn."""
    return {
        "ENGINE": "servewell.core.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {
            # SQLite's default page cache is 2 MB, a few index pages of a desk with a
            # million rows: every write to a large index then rereads its pages from the
            # OS. Each connection may keep SQLITE_CACHE_MB (grown only as used), and reads
            # go through a shared memory map instead of copies.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON; "
                f"PRAGMA cache_size=-{1024 * env_int('SQLITE_CACHE_MB', 64)}; "
                f"PRAGMA mmap_size={1024 * 1024 * env_int('SQLITE_MMAP_MB', 1024)}; "
                "PRAGMA temp_store=MEMORY;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        # Keep connections: opening one re-runs the PRAGMAs above (milliseconds).
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 600),
        "CONN_HEALTH_CHECKS": True,
    }


def _postgresql(parsed: dict) -> dict:
    """PostgreSQL with its statements prepared once per connection and kept.

    Why: a conversation page's twenty-odd queries each took PostgreSQL longer to plan
    (2.5 ms in all) than to run (0.9 ms), and its CPU is the same cores' as the web
    processes'. Server-side binding lets psycopg prepare a statement the second time a
    connection sends it; PostgreSQL then skips parsing and, once a generic plan serves,
    planning: its CPU for that page fell from about 10 ms to 4. Connections live as long
    as SQLite's (``DB_CONN_MAX_AGE``) so the prepared statements are not thrown away
    every minute. A pooler in transaction mode (PgBouncer before 1.21) cannot keep a
    prepared statement on one connection: set ``DB_PREPARED_STATEMENTS=0`` behind one."""
    parsed["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 600)
    if env_bool("DB_PREPARED_STATEMENTS", True):
        parsed.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
    return parsed


if DATABASE_URL:
    try:
        _parsed = dj_database_url.parse(DATABASE_URL, conn_max_age=60)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
    if _parsed["ENGINE"].endswith("sqlite3"):
        if not _parsed.get("NAME"):
            raise ImproperlyConfigured("DATABASE_URL names no SQLite file (sqlite:///path)")
        _parsed = _sqlite(str(_parsed["NAME"]))
    if _parsed["ENGINE"].endswith("postgresql"):
        _parsed = _postgresql(_parsed)
    DATABASES = {"default": _parsed}
else:
    DATABASES = {"default": _sqlite(str(VAR_DIR / "servewell.sqlite3"))}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file (not :memory:) so live servers and subprocesses in tests share it; one per
    # test run so that concurrent runs never overwrite each other's database.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
        VAR_DIR / f"test-{os.getpid()}.sqlite3"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Threads serving pages and the API in each web process (core.wsgibridge). They take
# turns: one runs at a time, and another starts only once every running one has taken
# longer than WEB_PATIENCE_MS (a large report, an export), up to WEB_THREADS at once.
# Python runs one thread at a time anyway, and two pages rendering together both finish
# late (each query hands the interpreter lock back and waits to get it again). The polls
# an open page repeats (presence every 5 s, the SLA clocks) run on POLL_THREADS threads
# of their own, so they never wait behind a page. Measured at 500 agents on PostgreSQL
# (p95 over all requests): 262-279 ms with 4 threads at once, 197-322 ms with one,
# 97-115 ms with one and a poll thread. Once pages cost half as much (compiled reads),
# a page waiting on the database held its process for less time than 250 ms of patience
# kept the next one out: at 800 agents, 800 ms with 250 ms of patience, 199 ms with 40
# (and less CPU per request: waits overlap instead of queueing); with 15 the pages
# convoyed again and the box saturated.
WEB_THREADS = env_int("WEB_THREADS", 4)
WEB_PATIENCE_MS = env_int("WEB_PATIENCE_MS", 50)
POLL_THREADS = env_int("POLL_THREADS", 1)
# Insights' reports may read from a read-only replica (servewell.insights.router).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["servewell.insights.router.ReportsRouter"]

# --- Cache and Redis ------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "servewell.core.cachebackend.KeptClientRedisCache",
            "LOCATION": REDIS_URL,
        }
    }
elif TESTING:
    # One per test process: tests that count (rate limits) must not meet each other.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # The embedded default runs a web process per core and the job worker beside them:
    # who is viewing a conversation and the rate limits must be the same in all of them.
    # diskcache keeps them in SQLite files of its own, beside (not inside) the database,
    # so cache writes never queue behind the desk's.
    CACHES = {
        "default": {
            "BACKEND": "servewell.core.cachebackend.SharedDiskCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "SHARDS": 4,
            "DATABASE_TIMEOUT": 0.05,
        }
    }

# --- Background jobs (Huey) -----------------------------------------------------------
# Embedded: a SQLite file of its own beside the database. With REDIS_URL: Redis, so many
# workers on many machines share one queue. SERVEWELL_JOBS_IMMEDIATE runs jobs inline.
JOBS = {
    "backend": "redis" if REDIS_URL else "sqlite",
    "redis_url": REDIS_URL,
    "path": env_str("SERVEWELL_JOBS_PATH", str(VAR_DIR / "jobs.sqlite3")),
    "immediate": env_bool("SERVEWELL_JOBS_IMMEDIATE", TESTING),
    "workers": env_int("SERVEWELL_WORKERS", 2),
}

# --- Email ------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# For the file backend (what `make run` uses until SMTP is configured): one file per email.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "sent-mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 1025)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Servewell <support@servewell.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# Sessions read from the cache (shared by every process: diskcache or Redis), written
# through to the database: a signed-in request costs no session query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
# How many reverse proxies of ours stand in front and append to X-Forwarded-For. Zero:
# the client's address is the socket's, whatever the request's headers claim.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if BEHIND_TLS_PROXY else 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# PeopleBackend signs in like ModelBackend and restores the person with their roles and
# teams in one query; ModelBackend stays listed so sessions made before it keep working.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "servewell.people.backends.PeopleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60
# An account is locked whatever address the attempts come from: rotating addresses must
# not reset the count. (Not per address alone: one office behind one NAT would lock
# itself out.) Addresses are logged; they are the socket's unless trusted proxies are set.
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes warns that this lacks the address; that is the choice above, on purpose.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_CLIENT_IP_CALLABLE = "servewell.core.clientip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("LOGIN_THROTTLING", True)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- I18N -------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
# Every text of the product is English and written as it is shown; with translation on,
# each gettext, date and number format went through the active language (3-4 % of a
# page's CPU) to find the same English. Formats still follow LANGUAGE_CODE (en-gb).
USE_I18N = False
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING or DEBUG
            else "servewell.core.staticstorage.KeptManifestStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = TESTING or DEBUG
# A file missing from the manifest is served unhashed instead of failing the page.
WHITENOISE_MANIFEST_STRICT = False

# --- API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "servewell.people.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["servewell.core.access.ApiAccess"],
    "DEFAULT_PARSER_CLASSES": [
        "servewell.core.parsers.JSONParser",
        "servewell.core.parsers.FormParser",
        "servewell.core.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "servewell.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "servewell.core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Servewell API",
    "DESCRIPTION": "REST API of the Servewell customer-service platform.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set where several apps call a field the same ("state", "kind",
    # "channel"): without these the schema names them by hash (State4e0Enum), names that
    # change whenever a choice does. Import paths, read only when the schema is built.
    "ENUM_NAME_OVERRIDES": {
        "ConversationStatusEnum": "servewell.desk.models.Status",
        "ConversationChannelEnum": "servewell.desk.models.Channel",
        "QueueChannelEnum": "servewell.livequeue.models.Channel",
        "NotificationChannelEnum": "servewell.core.models.NotificationPreference.Channel",
        "EscalationActionEnum": "servewell.commitments.models.Escalation.Action",
        "AlarmKindEnum": "servewell.livequeue.models.RuleKind",
        "QuestionKindEnum": "servewell.academy.models.Question.Kind",
        "ReviewStateEnum": "servewell.quality.models.Review.State",
        "VersionStateEnum": "servewell.quality.models.ScorecardVersion.State",
        "DisputeStateEnum": "servewell.quality.models.Dispute.State",
        "ActionItemStateEnum": "servewell.quality.models.ActionItem.State",
        "WouldReturnEnum": "servewell.experience.models.Again",
    },
}

# --- Logging ----------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOG_FORMAT = env_str("LOG_FORMAT", "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'text'")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "servewell.core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "huey": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)

# --- Desk mail ----------------------------------------------------------------------------
DESK_ATTACHMENT_MAX_BYTES = env_int("DESK_ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024)
DESK_INBOUND_MAX_BYTES = env_int("DESK_INBOUND_MAX_BYTES", 50 * 1024 * 1024)
DESK_AUTO_REPLY_LIMIT = env_int("DESK_AUTO_REPLY_LIMIT", 3)
DESK_AUTO_REPLY_WINDOW_HOURS = env_int("DESK_AUTO_REPLY_WINDOW_HOURS", 24)
