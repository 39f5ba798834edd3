"""Cosell settings, read from the environment.

With nothing set, the portal runs the embedded default: a private PostgreSQL server under ``var/``
(started by ``make run``, see ``cosell.embedded_db``), no Redis, Celery on kombu's filesystem
transport, debug on. ``DJANGO_DEBUG=false`` switches to production mode, which
refuses to boot without ``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS``.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("COSELL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
PRODUCTION = not DEBUG

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if PRODUCTION:
    missing = [
        name
        for name, value in (
            ("DJANGO_SECRET_KEY", SECRET_KEY),
            ("DJANGO_ALLOWED_HOSTS", ALLOWED_HOSTS),
        )
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            "Production mode (DJANGO_DEBUG=false) needs " + " and ".join(missing) + " to be set. "
            "Set DJANGO_SECRET_KEY to a long random string (at least 50 characters) and "
            "DJANGO_ALLOWED_HOSTS to the comma-separated host names the portal answers to."
        )
else:
    SECRET_KEY = SECRET_KEY or "dev-only-not-secret-" + "x" * 40
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

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
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "django_countries",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "cosell.core",
    "cosell.partners",
    "cosell.webhooks",
    "offers",
    "opportunities",
    "registrations",
    "partnercenter",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "cosell.partners.middleware.LoginLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which reads form bodies: oversized requests are refused unread.
    "cosell.core.limits.RequestSizeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the outcome of authentication attempts.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cosell.urls"
WSGI_APPLICATION = "cosell.wsgi.application"

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
                "cosell.partners.context_processors.role",
                "opportunities.context_processors.leads_waiting",
            ],
        },
    },
]

# Database: PostgreSQL, always. DATABASE_URL, or the embedded default: the private server that
# `make run` starts under var/postgres (cosell.embedded_db), reached through its Unix socket.
CONN_MAX_AGE = env_int("DJANGO_CONN_MAX_AGE", 600)
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    from cosell import embedded_db

    DATABASE_URL = embedded_db.database_url(VAR_DIR)
if not DATABASE_URL.startswith(("postgres://", "postgresql://", "pgsql://")):
    raise ImproperlyConfigured(
        "DATABASE_URL must name a PostgreSQL database (postgres://user:pass@host:5432/name): "
        "Cosell runs on PostgreSQL only."
    )
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Fails open: with Redis down, throttles let requests through (and it is logged).
            "BACKEND": "cosell.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("COSELL_CACHE_PREFIX", "cosell"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rendered template fragments that depend only on what their cache key names (the navigation
# for one role, page and count of waiting leads, in one language): kept in each process's
# memory, never shared, never stale.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "cosell-fragments",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

AUTH_USER_MODEL = "partners.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "cosell.partners.rules.StaffBackend",
    # Django's ModelBackend, the session user loaded with their membership and seller in one
    # query; Django's own stays after it for sessions signed in before (cosell.partners.backends).
    "cosell.partners.backends.PortalBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login rate limiting (django-axes, cosell.partners.lockout): failures are counted per account
# and address (AXES_FAILURE_LIMIT), per address across accounts and per account across
# addresses, each with its own limit and cool-off (README, configuration).
AXES_FAILURE_LIMIT = env_int("COSELL_LOGIN_FAILURE_LIMIT", 5)
_LOGIN_COOLOFF = env_int("COSELL_LOGIN_COOLOFF_MINUTES", 15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
COSELL_LOGIN_LIMITS = [  # (failures, cool-off minutes), in the order of the parameters above
    (AXES_FAILURE_LIMIT, _LOGIN_COOLOFF),
    (
        env_int("COSELL_LOGIN_ADDRESS_FAILURE_LIMIT", 20),
        env_int("COSELL_LOGIN_ADDRESS_COOLOFF_MINUTES", 30),
    ),
    (
        env_int("COSELL_LOGIN_ACCOUNT_FAILURE_LIMIT", 10),
        env_int("COSELL_LOGIN_ACCOUNT_COOLOFF_MINUTES", 30),
    ),
]
# Axes keeps failures as long as the longest cool-off; each group reads its own window.
AXES_COOLOFF_TIME = timedelta(minutes=max(minutes for _limit, minutes in COSELL_LOGIN_LIMITS))
AXES_HANDLER = "cosell.partners.lockout.LockoutHandler"
# Password reset requests per client address and per account (email typed), per window.
COSELL_PASSWORD_RESET_ADDRESS_LIMIT = env_int("COSELL_PASSWORD_RESET_ADDRESS_LIMIT", 10)
COSELL_PASSWORD_RESET_ACCOUNT_LIMIT = env_int("COSELL_PASSWORD_RESET_ACCOUNT_LIMIT", 3)
COSELL_PASSWORD_RESET_WINDOW_MINUTES = env_int("COSELL_PASSWORD_RESET_WINDOW_MINUTES", 60)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cosell.partners.views.login_locked_out"
# The client address as the throttles read it (DJANGO_PROXY_COUNT; never a client-supplied
# X-Forwarded-For without a proxy).
AXES_CLIENT_IP_CALLABLE = "cosell.core.limits.client_address"
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("COSELL_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media-not-served/"  # uploads are served through views that check permissions

# Mail: console by default, SMTP when EMAIL_HOST is set.
# The portal's public address for links in mail; by default the address `bin/web` binds to.
BIND = os.environ.get("BIND", "127.0.0.1:8000")


def _address_of(bind: str) -> str:
    host, _, port = bind.rpartition(":")
    if not host or bind.startswith("unix:"):
        return "http://127.0.0.1:8000"
    if host in {"0.0.0.0", "[::]", "::"}:  # noqa: S104 (reading the setting, not binding)
        host = "127.0.0.1"
    return f"http://{host}:{port}"


COSELL_BASE_URL = os.environ.get("COSELL_BASE_URL", "").strip() or _address_of(BIND)
COSELL_BASE_URL = COSELL_BASE_URL.rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Cosell <cosell@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Security. In production behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, read by SQL compiled once per process (cosell/core/sessions.py).
SESSION_ENGINE = "cosell.core.sessions"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cosell.core.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "cosell.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cosell.core.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "cosell.core.parsers.ObjectJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        # DRF's, counting in one Redis round trip (cosell/core/throttling.py).
        "cosell.core.throttling.AnonRateThrottle",
        "cosell.core.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("COSELL_API_ANON_RATE", "60/min"),
        "user": os.environ.get("COSELL_API_USER_RATE", "1200/min"),
        "auth": os.environ.get("COSELL_API_AUTH_RATE", "20/min"),
    },
    # 0 proxies: the throttles key on REMOTE_ADDR, never on a client-supplied X-Forwarded-For
    # (DRF reads None as "trust the header").
    "NUM_PROXIES": env_int("DJANGO_PROXY_COUNT", 0),
}
# Content-Security-Policy (django-csp): only the portal's own scripts and styles; no inline
# script, event handler or style attribute (static/js/cosell.js does confirmations and the
# language switch; widths are classes in cosell.css). ``data:`` images: Bootstrap's icons.
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
    }
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cosell API",
    "DESCRIPTION": "Offers, co-sell status, leads and opportunities of a partner.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cosell.core.schema.add_error_responses",
    ],
}

# Celery: Redis in production; kombu's filesystem transport as the embedded broker.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    BROKER_DIR = VAR_DIR / "broker"
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Broadcast messages (worker control, mingle); kombu's default is ./control.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = env_int("COSELL_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("COSELL_TASK_TIME_LIMIT", 360)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("COSELL_CELERY_EAGER", False)
# Side effects recorded with their change (cosell.core.effects) are tried this many times.
COSELL_EFFECT_MAX_ATTEMPTS = env_int("COSELL_EFFECT_MAX_ATTEMPTS", 10)

# Webhooks: delivery to loopback, link-local and private addresses is refused unless this is set
# (tests, on-premises receivers). Retries back off exponentially over about a day.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env_bool("DJANGO_WEBHOOKS_ALLOW_PRIVATE_TARGETS", False)
COSELL_WEBHOOK_MAX_ATTEMPTS = env_int("COSELL_WEBHOOK_MAX_ATTEMPTS", 12)
COSELL_WEBHOOK_RETRY_BASE_SECONDS = env_int("COSELL_WEBHOOK_RETRY_BASE_SECONDS", 30)
COSELL_WEBHOOK_TIMEOUT_SECONDS = env_int("COSELL_WEBHOOK_TIMEOUT_SECONDS", 5)
# The hard limit on one attempt as a whole (connect, send, response), however slow the receiver.
COSELL_WEBHOOK_DEADLINE_SECONDS = env_int("COSELL_WEBHOOK_DEADLINE_SECONDS", 10)

# Deal registration (Partner Center's rules): a won deal of at least this value in USD, registered
# within this many days of the contract's signing; manual review above this annual value; reviewers
# are reminded of requests waiting more than this many working days.
REGISTRATION_MIN_VALUE_USD = env_int("COSELL_REGISTRATION_MIN_VALUE_USD", 25000)
REGISTRATION_WINDOW_DAYS = env_int("COSELL_REGISTRATION_WINDOW_DAYS", 60)
REGISTRATION_REVIEW_ABOVE_USD = env_int("COSELL_REGISTRATION_REVIEW_ABOVE_USD", 1000000)
REGISTRATION_REVIEW_REMIND_WORKING_DAYS = env_int("COSELL_REGISTRATION_REVIEW_REMIND_DAYS", 10)

# Leads: a lead expires this many days after it was sent; its receiver is reminded this many
# hours before.
LEAD_EXPIRY_DAYS = env_int("COSELL_LEAD_EXPIRY_DAYS", 14)
LEAD_REMINDER_HOURS = env_int("COSELL_LEAD_REMINDER_HOURS", 72)

# Deal values: above COSELL_DEAL_VALUE_WARN the browser asks before saving; above
# COSELL_DEAL_VALUE_MAX the value is refused (both in the deal's own currency).
COSELL_DEAL_VALUE_WARN = env_int("COSELL_DEAL_VALUE_WARN", 50_000_000)
COSELL_DEAL_VALUE_MAX = env_int("COSELL_DEAL_VALUE_MAX", 10_000_000_000)

# Periodic jobs by name (see cosell.core.periodic); beat runs each through one task, for "now".
PERIODIC_JOB_SCHEDULES = {
    "sessions.clear_expired": crontab(minute=17, hour=3),
    "login_attempts.purge": crontab(minute=23),
    "leads.expire": crontab(minute="*/10"),
    "leads.remind": crontab(minute=5),
    "leads.archive_marketplace": crontab(minute=40, hour=3),
    "offers.reevaluate_all": crontab(minute=30, hour=2),
    "offers.badge_propagate": crontab(minute=0, hour=4),
    "webhooks.dispatch": crontab(minute="*"),
    "registrations.remind_window": crontab(minute=40, hour=7),
    "registrations.remind_reviewers": crontab(minute=50, hour=7),
    "effects.deliver": crontab(minute="*"),
}
CELERY_BEAT_SCHEDULE = {
    f"periodic: {name}": {
        "task": "cosell.core.tasks.run_periodic_job",
        "schedule": schedule,
        "args": [name],
    }
    for name, schedule in PERIODIC_JOB_SCHEDULES.items()
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Offers: the Preferred solution badge propagates in runs this many days apart; co-sell
# documents may be at most this large.
BADGE_PROPAGATION_DAYS = env_int("COSELL_BADGE_PROPAGATION_DAYS", 30)
COSELL_MAX_UPLOAD_MB = env_int("COSELL_MAX_UPLOAD_MB", 20)

# Demo data loaders, in dependency order (``manage.py seed_demo``).
COSELL_DEMO_SEEDERS = [
    "cosell.partners.demo.seed",
    "offers.demo.seed",
    "opportunities.demo.seed",
    "registrations.demo.seed",
]
