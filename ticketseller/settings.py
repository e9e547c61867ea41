"""The one settings module. Every value comes from the environment (see `.env.example`).

Development works with no variable set (SQLite in WAL mode, local Redis started by
`make run`). Production (`DEBUG=false`) refuses to start without its secrets.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from ticketseller.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_secret,
    env_str,
    require_production_secret,
)
from ticketseller.redis_config import redis_url_with_timeouts

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)

# Only used when DEBUG is on; production must bring its own key.
_DEV_SECRET_KEY = "django-insecure-dev-only-key-never-use-in-production"
SECRET_KEY = env_secret("SECRET_KEY", _DEV_SECRET_KEY)
if not DEBUG:
    require_production_secret("SECRET_KEY", SECRET_KEY, dev_default=_DEV_SECRET_KEY, min_length=50)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served locally: the shop works offline
    "django_rq",
    "ticketseller",
    "accounts",
    "events",
    "wallet",
    "challenge_worker",
    "payments",
    "payments.delivery.apps.DeliveryConfig",  # its models belong to payments (app_label)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ticketseller.middleware.ShopLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# The workers master serves its own URLs from the same code base (see challenge_worker/wsgi.py).
ROOT_URLCONF = env_str("ROOT_URLCONF", "ticketseller.urls")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ticketseller.context_processors.shop",
            ],
        },
    },
]

WSGI_APPLICATION = "ticketseller.wsgi.application"

# --- Database -------------------------------------------------------------------------------
# Default: SQLite in WAL mode with IMMEDIATE transactions, so the web, the jobs worker and the
# workers master (separate processes) can all write without "database is locked" surprises.
_SQLITE_PATH = VAR_DIR / "db.sqlite3"
DATABASE_URL = env_str("DATABASE_URL", "")
# A process frozen inside a transaction (SIGSTOP, a paused VM) would hold its row locks for
# as long as it sleeps and stall every worker behind them: PostgreSQL ends such a session
# after this long idle in a transaction. Our transactions are a few statements long.
DB_IDLE_IN_TRANSACTION_SECONDS = env_int("DB_IDLE_IN_TRANSACTION_SECONDS", 10)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c idle_in_transaction_session_timeout={DB_IDLE_IN_TRANSACTION_SECONDS * 1000}"
    )
else:
    DATABASES = {
        "default": {
            # bench/purchase.py --lock-stats swaps in its subclass that counts lock waits.
            "ENGINE": env_str("SQLITE_ENGINE", "django.db.backends.sqlite3"),
            "NAME": _SQLITE_PATH,
            # Opening a connection runs the PRAGMAs and registers Django's SQL functions:
            # a fifth of a short request's time. Each server thread and worker keeps its own.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, queues -------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
# Every Redis client waits at most this long to connect and for an answer, so a stalled Redis
# costs a request a second, not a hung worker thread. RQ workers raise the read timeout of
# their own connection above their blocking pop (rq's `Worker._set_connection`); jobs and
# web requests keep these values.
REDIS_CONNECT_TIMEOUT = env_float("REDIS_CONNECT_TIMEOUT", 1.0)
REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 1.0)
REDIS_HEALTH_CHECK_INTERVAL = env_int("REDIS_HEALTH_CHECK_INTERVAL", 15)  # ping idle connections
# django-rq passes only the URL to redis-py, so the timeouts travel in its query string.
QUEUE_REDIS_URL = redis_url_with_timeouts(
    REDIS_URL,
    connect_timeout=REDIS_CONNECT_TIMEOUT,
    socket_timeout=REDIS_SOCKET_TIMEOUT,
    health_check_interval=REDIS_HEALTH_CHECK_INTERVAL,
)
CACHE_URL = env_str("CACHE_URL", "")  # "redis" shares REDIS_URL; empty means per-process memory
# The cache holds throttling counters and rendered catalogue answers: a slow Redis makes it
# miss, never wait long.
CACHE_SOCKET_TIMEOUT = env_float("CACHE_SOCKET_TIMEOUT", 0.25)
if CACHE_URL == "redis":
    CACHES = {
        "default": {
            "BACKEND": "ticketseller.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": CACHE_SOCKET_TIMEOUT,
                "socket_timeout": CACHE_SOCKET_TIMEOUT,
                "health_check_interval": REDIS_HEALTH_CHECK_INTERVAL,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # Room for the catalogue's answers (a few KB each), not only the counters.
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# django-rq would also mount its dashboard inside the admin, open to every staff user: only
# the superuser-only copy at /admin/rq/ (ticketseller/urls.py) exists.
RQ_SHOW_ADMIN_LINK = False
# One queue per kind of work, each with its own worker(s), so none can hold up another:
# a slow catalogue sync or a brownout of the PDF Lambda never delays a payment step.
RQ_QUEUES = {
    "payments": {"URL": QUEUE_REDIS_URL, "DEFAULT_TIMEOUT": 300},  # steps of the payment flow
    "maintenance": {"URL": QUEUE_REDIS_URL, "DEFAULT_TIMEOUT": 300},  # the clock's periodic jobs
    "delivery": {"URL": QUEUE_REDIS_URL, "DEFAULT_TIMEOUT": 300},  # PDF tickets and emails
    "challenges": {"URL": QUEUE_REDIS_URL, "DEFAULT_TIMEOUT": 600},  # the challenge workers
    # Nothing enqueues here any more; the payments worker drains what an older release left.
    "default": {"URL": QUEUE_REDIS_URL, "DEFAULT_TIMEOUT": 300},
}

# The catalogue's rendered answers live this long (seconds; 0 turns the cache off). A sync or
# an admin edit invalidates them at once; purchases do not, so this bounds how stale the
# "seats left" of the catalogue may be (events/catalogue_cache.py, docs/performance.md).
CATALOGUE_CACHE_SECONDS = env_int("CATALOGUE_CACHE_SECONDS", 2)
# Polls and buys a web process holds for a verdict (payments/verdict_hold.py): ≤ half its threads
PURCHASE_WAIT_MAX_HELD = env_int("PURCHASE_WAIT_MAX_HELD", 12)

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Username (Django's backend, first) or the account's email (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "accounts.backends.EmailBackend",
]
LOGIN_URL = "login"
# Failed log-ins (shop, admin, API token), counted in the cache: past a limit, refused for
# LOGIN_LOCKOUT_SECONDS after the last failure (accounts/login_limits.py).
LOGIN_MAX_FAILURES_PER_ACCOUNT = env_int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
LOGIN_MAX_FAILURES_PER_IP = env_int("LOGIN_MAX_FAILURES_PER_IP", 20)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)
# Password-reset emails per address and per client IP in a window (accounts/reset_limits.py).
PASSWORD_RESET_MAX_PER_EMAIL = env_int("PASSWORD_RESET_MAX_PER_EMAIL", 3)
PASSWORD_RESET_MAX_PER_IP = env_int("PASSWORD_RESET_MAX_PER_IP", 10)
PASSWORD_RESET_WINDOW_SECONDS = env_int("PASSWORD_RESET_WINDOW_SECONDS", 3600)
# Proxies in front of the web that append the client to X-Forwarded-For: 1 behind CloudFront
# (deploy/infrastructure.yaml), 2 with a load balancer behind it. 0 (the default, and the
# local stacks) trusts no forwarded header: anyone reaching the web directly could forge them.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("TRUSTED_PROXIES must be 0 or more")
if TRUSTED_PROXIES:
    # CloudFront overwrites any X-Forwarded-Proto a viewer sends with "https" (every viewer
    # request is HTTPS there): request.is_secure() and absolute URLs say https.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
LOGIN_REDIRECT_URL = "events:list"
LOGOUT_REDIRECT_URL = "events:list"

# --- Language, time -------------------------------------------------------------------------
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Santiago"
# "viernes 4 de diciembre de 2026, 19:30" and "Fri 4 Dec 2026, 19:30" (ticketseller/formats/).
FORMAT_MODULE_PATH = ["ticketseller.formats"]
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = env_str("STATIC_URL", "/static/")
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
WHITENOISE_USE_FINDERS = DEBUG  # serve from the apps' static folders without collectstatic
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

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous API call then gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ticketseller.api.token_auth.TokenAuthentication",  # DRF's, in prepared statements
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "VIEW_NAME_FUNCTION": "ticketseller.api.root.view_name",
    "DEFAULT_PAGINATION_CLASS": "ticketseller.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "600/minute"),
        "user": env_str("API_THROTTLE_USER", "3000/minute"),
    },
    "EXCEPTION_HANDLER": "ticketseller.api.errors.exception_handler",
    # Throttling counts per client: the address the outermost trusted proxy appended to
    # X-Forwarded-For, not the proxy's own (every visitor behind CloudFront would share it).
    "NUM_PROXIES": TRUSTED_PROXIES,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CPE Ticket Seller API",
    "DESCRIPTION": (
        "Browse events, manage your wallet and buy tickets. Errors always have the shape "
        '`{"error": {"code", "message", "details"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Public operations get `security: []`: no lock on them in Swagger UI.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ticketseller.api.root.public_operations_without_lock",
    ],
}

# --- Shop -----------------------------------------------------------------------------------
SELLER_NAME = env_str("SELLER_NAME", "CPE Ticket Seller")
WALLET_DEPOSIT_MIN = env_int("WALLET_DEPOSIT_MIN", 1)
WALLET_DEPOSIT_MAX = env_int("WALLET_DEPOSIT_MAX", 5_000_000)
# How long a user request waits for a row lock before answering "busy, try again".
DB_LOCK_TIMEOUT_MS = env_int("DB_LOCK_TIMEOUT_MS", 5000)
WORKERS_STATUS_TIMEOUT = env_float("WORKERS_STATUS_TIMEOUT", 1.0)

# bench/catalogue.py's baseline (a constant JSON answer at /bench/constant/), off unless
# asked for. It reveals nothing, and the bench measures production's settings (DEBUG off).
BENCH_ENDPOINTS = env_bool("BENCH_ENDPOINTS", False)

# --- Central exchange -----------------------------------------------------------------------
EXCHANGE_URL = env_str("EXCHANGE_URL", "http://127.0.0.1:8100/v1")
EXCHANGE_GROUP_ID = env_int("EXCHANGE_GROUP_ID", 20)
EXCHANGE_SELLER = env_int("EXCHANGE_SELLER", 0)
EXCHANGE_TIMEOUT = env_float("EXCHANGE_TIMEOUT", 5.0)  # seconds per HTTP call
_DEV_WEBHOOK_SECRET = "dev-webhook-secret"
EXCHANGE_WEBHOOK_SECRET = env_secret("EXCHANGE_WEBHOOK_SECRET", _DEV_WEBHOOK_SECRET)
if not DEBUG:
    require_production_secret(
        "EXCHANGE_WEBHOOK_SECRET", EXCHANGE_WEBHOOK_SECRET, dev_default=_DEV_WEBHOOK_SECRET
    )

EXCHANGE_DEFAULT_MAX_SECRET = env_int("EXCHANGE_DEFAULT_MAX_SECRET", 500_000)
# Seconds one exchange call may spend pausing between retries (Retry-After included): the
# job's share of the purchase deadline. Past it the job gives up and is retried later.
EXCHANGE_RETRY_BUDGET_SECONDS = env_float("EXCHANGE_RETRY_BUDGET_SECONDS", 4.0)
# The reconciler's back-off for a purchase that keeps failing: base·2^attempts, capped.
PURCHASE_RETRY_BASE_SECONDS = env_float("PURCHASE_RETRY_BASE_SECONDS", 2.0)
PURCHASE_RETRY_CAP_SECONDS = env_float("PURCHASE_RETRY_CAP_SECONDS", 600.0)
# After this many failed attempts in a row a purchase is flagged for staff (needs attention).
PURCHASE_ATTENTION_AFTER = env_int("PURCHASE_ATTENTION_AFTER", 5)

# --- The purchase flow: quantities, deadlines, clock, waiting room, sweeps, workers --------
# Plain numbers with no secret and no dependency on the rest: their own module, one subject.
from ticketseller.settings_flow import *  # noqa: E402, F403

# --- Tickets and emails ---------------------------------------------------------------------
TICKET_BACKEND = env_str("TICKET_BACKEND", "local")  # local | lambda
# Rendered on these cores, tickets wait while this many purchases are in flight (0: never).
DELIVERY_GIVE_WAY_IN_FLIGHT = env_int("DELIVERY_GIVE_WAY_IN_FLIGHT", int(TICKET_BACKEND == "local"))
_DEV_TICKET_CODE_SECRET = "dev-ticket-code-secret"
TICKET_CODE_SECRET = env_secret("TICKET_CODE_SECRET", _DEV_TICKET_CODE_SECRET)
if not DEBUG:
    require_production_secret(
        "TICKET_CODE_SECRET", TICKET_CODE_SECRET, dev_default=_DEV_TICKET_CODE_SECRET
    )
PDF_LAMBDA_NAME = env_str("PDF_LAMBDA_NAME", "")  # lambda backend: the function to invoke
TICKETS_BUCKET = env_str("TICKETS_BUCKET", "")
AWS_REGION = env_str("AWS_REGION", "us-east-1")
S3_ENDPOINT_URL = env_str("S3_ENDPOINT_URL", "")  # an S3-compatible server instead of AWS
TICKET_URL_EXPIRES_SECONDS = env_int("TICKET_URL_EXPIRES_SECONDS", 3600)
PUBLIC_TICKETS = env_bool("PUBLIC_TICKETS", False)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")  # absolute links in emails

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "payments.delivery.mail.ConsoleAndFileBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = Path(env_str("EMAIL_FILE_PATH", str(VAR_DIR / "emails")))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CPE Ticket Seller <tickets@example.cl>")

# --- Workers master and challenge workers ---------------------------------------------------
MASTER_URL = env_str("MASTER_URL", "http://127.0.0.1:8001")
MASTER_API_TOKEN = env_secret("MASTER_API_TOKEN", "")  # empty: the master API is open (dev)
if not DEBUG:
    require_production_secret("MASTER_API_TOKEN", MASTER_API_TOKEN, dev_default="")
# The payments job the master enqueues (on MASTER_SOLVED_QUEUE) when a job's last challenge
# is solved. A setting, never request input: clients cannot choose code to run.
MASTER_SOLVED_JOB = env_str("MASTER_SOLVED_JOB", "payments.jobs.purchase_submit_solution")
MASTER_SOLVED_QUEUE = env_str("MASTER_SOLVED_QUEUE", "payments")

# --- Security (production) ------------------------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # /api/v1/health is probed over plain HTTP by load balancers and CodeDeploy.
    SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/?$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
