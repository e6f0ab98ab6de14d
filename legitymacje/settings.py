"""Settings for Legitymacje, read from the environment.

Defaults give a zero-setup development run: SQLite file, Celery eager, DEBUG on.
Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from pathlib import Path

import dj_database_url

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105


def _derived_key(purpose: str) -> str:
    """A key of its own per purpose, derived from SECRET_KEY when none is configured."""
    digest = hmac.new(SECRET_KEY.encode(), f"legitymacje.{purpose}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode()


# PESEL at rest: Fernet keys, newest first (all decrypt, the first encrypts; after adding
# a key run `manage.py pesel_rotate_key`), and the HMAC key of the exact-match hash (never
# rotated without recomputing the hashes). Set both in production, so that SECRET_KEY can
# change without losing the numbers.
PESEL_ENCRYPTION_KEYS = env_list("PESEL_ENCRYPTION_KEYS", [_derived_key("pesel-encryption")])
PESEL_HASH_KEY = env_str("PESEL_HASH_KEY") or _derived_key("pesel-hash")

# The reader bridge signs every job it gives a workstation agent with an Ed25519 key:
# base64 of its 32-byte seed. Set it in production: derived from SECRET_KEY, a change of
# that key means enrolling every agent again.
READER_JOB_KEY = env_str("READER_JOB_KEY") or _derived_key("reader-job-key")
# Which of those keys were not configured (`manage.py check --deploy` warns about them).
KEYS_DERIVED_FROM_SECRET_KEY = [
    name for name in ("PESEL_ENCRYPTION_KEYS", "PESEL_HASH_KEY", "READER_JOB_KEY")
    if not env_str(name)]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])

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
    "knox",
    "axes",
    "django_cas_ng",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_fsm",
    "legitymacje",
    "access_log",
    "cards",
    "warranty",
    "reader_bridge",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "legitymacje.middleware.PrivateResponsesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Not django-otp's OTPMiddleware: it reads the session's TOTP device on every request
    # (a query) for `user.is_verified()`, which nothing asks; whether a session still owes
    # the code is decided at login and kept in it (legitymacje.second_factor).
    "django.contrib.messages.middleware.MessageMiddleware",
    "legitymacje.middleware.SessionIdleTimeoutMiddleware",
    "legitymacje.middleware.StaffSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "access_log.middleware.AccessLogMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

# What the access log records (access_log.middleware): URL name → (subject, the URL keyword
# with its id, channel). Admin change pages are logged as well, by model.
ACCESS_LOGGED_ROUTES = {
    "cards:detail": ("card", "pk", "page"),
    "card-detail": ("card", "pk", "api"),
    "holder-detail": ("holder", "pk", "api"),
    "warranty:detail": ("case", "pk", "page"),
    "warranty:receipt": ("case", "pk", "export"),
    "warranty:handover-receipt": ("case", "pk", "export"),
    "warranty:attachment": ("case", "pk", "export"),
    "case-detail": ("case", "pk", "api"),
    "reports:export": ("report", "slug", "export"),
    "reports:export-download": ("export file", "pk", "export"),
    "reports:queue-export": ("case queue", "", "export"),
}

ROOT_URLCONF = "legitymacje.urls"
WSGI_APPLICATION = "legitymacje.wsgi.application"
ASGI_APPLICATION = "legitymacje.asgi.application"

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
                "legitymacje.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, but the health check reads the socket instead of a round trip
    # (legitymacje/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "legitymacje.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        # JIT compiles a query whose estimate passes jit_above_cost: 15 ms spent on a count
        # of a few thousand rows that runs in 2 ms (docs/performance.md).
        "options": "-c jit=off",
        # The parameters travel apart from the SQL text, so a statement a connection has run
        # 5 times is prepared and PostgreSQL may stop planning it anew: the case page's main
        # query took ~5 ms to plan and 0.1 ms to run ("How the app talks to PostgreSQL" in
        # docs/performance.md). A pooler in transaction mode that does not carry prepared
        # statements (PgBouncer before 1.21) needs DB_PREPARED_STATEMENTS=0.
        "server_side_binding": True,
        "prepare_threshold": 5 if env_bool("DB_PREPARED_STATEMENTS", default=True) else None,
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "legitymacje.auth.UserWithHolderBackend",
    "legitymacje.sso.UniversityCASBackend",
]
# Sessions live in the database; the "sessions" cache only saves the read, and steps aside
# when Redis is down (legitymacje.cache), so an outage logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"
# A session ends after SESSION_IDLE_MINUTES without a request, and after
# SESSION_MAX_HOURS in any case (legitymacje.middleware.SessionIdleTimeoutMiddleware).
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30))
SESSION_COOKIE_AGE = env_int("SESSION_MAX_HOURS", 12) * 3600
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# University single sign-on (CAS, as USOS runs it). Off while CAS_SERVER_URL is empty;
# local passwords stay for the demo and emergencies. The CAS user maps to the staff
# account of the same username, else to the holder whose PESEL or album number the
# attributes carry (legitymacje.sso).
CAS_SERVER_URL = env_str("CAS_SERVER_URL")
CAS_VERSION = "3"
CAS_CREATE_USER = False
CAS_STORE_NEXT = True
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
CAS_LOGOUT_COMPLETELY = True
CAS_REDIRECT_URL = "/"
CAS_IGNORE_REFERER = True  # without ?next= the CAS login lands on the home page, not /login/
CAS_PESEL_ATTRIBUTE = env_str("CAS_PESEL_ATTRIBUTE", "pesel")
CAS_ALBUM_ATTRIBUTE = env_str("CAS_ALBUM_ATTRIBUTE", "album")

# Second factor (TOTP) for staff: optional per user; required for every staff role when set.
OTP_REQUIRED_FOR_STAFF = env_bool("OTP_REQUIRED_FOR_STAFF", default=False)
OTP_TOTP_ISSUER = "Legitymacje"

# Login throttling (django-axes, in the database): AXES_FAILURE_LIMIT wrong passwords for
# one username from one address lock that pair out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "legitymacje.throttling.locked_out"
AXES_WHITELIST_CALLABLE = "legitymacje.throttling.is_cas_ticket_check"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "legitymacje.client_ip.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password"]

LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", _("Polish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["legitymacje.formats"]
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "legitymacje" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "legitymacje.static_storage.StaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "legitymacje@localhost")
# What holders are told (case pages): where SSOS is, how to pay the duplicate fee. The
# defaults are the demo's (DEBUG only): production must say its own, never a made-up account.
_DEMO = DEBUG
SSOS_ADDRESS = env_str("SSOS_ADDRESS", "Sekcja Systemów Studenckich, ul. Uniwersytecka 1, "
                                       "pokój 12 (parter)" if _DEMO else "")
SSOS_OPENING_HOURS = env_str("SSOS_OPENING_HOURS",
                             "pon.–pt. 9:00–14:00, czw. 12:00–17:00" if _DEMO else "")
PAYMENT_ACCOUNT = env_str("PAYMENT_ACCOUNT",
                          "PL61 1090 1014 0000 0712 1981 2874 (demo)" if _DEMO else "")
PAYMENT_RECIPIENT = env_str("PAYMENT_RECIPIENT", "Uniwersytet, ul. Uniwersytecka 1"
                            if _DEMO else "")
PAYMENT_WHERE = env_str("PAYMENT_WHERE", "przelewem na rachunek uczelni albo kartą w kasie "
                                         "kwestury (budynek główny, pokój 5)" if _DEMO else "")
# The demo's reader state and chip files (`make run`, `make demo-read`).
DEMO_STATE_DIR = env_str("DEMO_STATE_DIR", str(BASE_DIR / "var"))
# The address holders open from e-mails and receipts (links to their case, the status page).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# The university e-seal for chip extensions: a key in a PKCS#11 token (an HSM; SoftHSM2
# in the demo). The PIN comes from ESEAL_PIN or, better, a file readable only by the
# server (ESEAL_PIN_FILE). See docs/signing.md.
ESEAL_PKCS11_MODULE = env_str("ESEAL_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
ESEAL_TOKEN_LABEL = env_str("ESEAL_TOKEN_LABEL")
ESEAL_PIN = env_str("ESEAL_PIN")
ESEAL_PIN_FILE = env_str("ESEAL_PIN_FILE")

# Celery: a broker when REDIS_URL is set, otherwise tasks run in-process (eager)
# so the default set-up needs no server.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    # Reads whose processing task was lost (broker outage) are re-sent, never dropped.
    "reader-bridge-resend-pending-reads": {
        "task": "reader_bridge.tasks.resend_pending_reads_task", "schedule": 60.0,
    },
    # Case e-mails still in the outbox (broker or SMTP outage) are re-sent, never dropped.
    "warranty-resend-pending-notifications": {
        "task": "warranty.tasks.notifications_resend_pending_task", "schedule": 120.0,
    },
    # Reminders to holders (card not brought, not collected, fee unpaid), once per period.
    "warranty-send-due-reminders": {
        "task": "warranty.tasks.reminders_send_due_task", "schedule": 3600.0,
    },
    # Export jobs no worker picked up (broker outage) are re-sent; old files are deleted.
    "reports-resend-export-jobs": {
        "task": "reports.tasks.export_jobs_resend_task", "schedule": 300.0,
    },
    "reports-expire-export-jobs": {
        "task": "reports.tasks.export_jobs_expire_task", "schedule": 3600.0,
    },
    # Daily counts of card history for the card reports: the last two days often, all nightly.
    "reports-recount-recent-card-history": {
        "task": "reports.tasks.card_event_days_refresh_task", "schedule": 300.0,
    },
    "reports-recount-all-card-history": {
        "task": "reports.tasks.card_event_days_refresh_task", "schedule": 86400.0,
        "kwargs": {"full": True},
    },
    # The queues' and dashboards' counts: their +1/-1 entries summed per unit and state.
    "cards-fold-tallies": {
        "task": "cards.tasks.tallies_fold_task", "schedule": 60.0,
    },
}

# Retention: raw reads (message and chip files, with the full PESEL) and photos of closed
# cases are purged nightly after these many days (`manage.py purge_expired` by hand).
RETENTION_RAW_READ_DAYS = env_int("RETENTION_RAW_READ_DAYS", 90)
RETENTION_PHOTO_DAYS = env_int("RETENTION_PHOTO_DAYS", 365)
CELERY_BEAT_SCHEDULE["purge-expired-personal-data"] = {
    "task": "legitymacje.tasks.expired_data_purge_task", "schedule": 86400.0,
}

# Hologram numbers are this 3-digit university code followed by a 5-digit running number.
HOLOGRAM_UNIVERSITY_CODE = env_str("HOLOGRAM_UNIVERSITY_CODE", "123")
if not (len(HOLOGRAM_UNIVERSITY_CODE) == 3 and HOLOGRAM_UNIVERSITY_CODE.isascii()
        and HOLOGRAM_UNIVERSITY_CODE.isdigit()):
    raise ImproperlyConfigured("HOLOGRAM_UNIVERSITY_CODE must be 3 digits, "
                               f"not {HOLOGRAM_UNIVERSITY_CODE!r}")

# A dead Redis answers within a second, never hangs a request.
_REDIS_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
CACHES = {
    "default": (
        {"BACKEND": "legitymacje.cache.RedisCache", "LOCATION": REDIS_URL,
         "OPTIONS": _REDIS_OPTIONS}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    "sessions": (
        {"BACKEND": "legitymacje.cache.DegradingRedisCache", "LOCATION": REDIS_URL,
         "OPTIONS": _REDIS_OPTIONS, "KEY_PREFIX": "session"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sessions"}
    ),
    # Parts of pages kept per version of what they show (warranty.case_history), in each
    # process's memory: a new release starts with none. Never expired, the oldest dropped.
    "fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                  "LOCATION": "fragments", "TIMEOUT": None,
                  "OPTIONS": {"MAX_ENTRIES": 2000}},
}

REST_FRAMEWORK = {
    # Token first, so a program without credentials gets 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "legitymacje.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "cards.api_paging.CheckedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "cards.api_errors.exception_handler",
}
# API tokens: stored hashed, expire after API_TOKEN_DAYS, revoked on a password change
# (legitymacje.tokens); made with `manage.py create_api_token USER`.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env_int("API_TOKEN_DAYS", 90)),
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Legitymacje API",
    "DESCRIPTION": "Cards, cases and reader reads of Polish university electronic ID cards.",
    "VERSION": "1.0.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "legitymacje.api_schema.caller_shapes_any_of",
        "legitymacje.api_schema.empty_filter_choice",
    ],
    # 3.1 speaks JSON Schema, as the pydantic model of the reader message does.
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {
        "CardStateEnum": "cards.models.CardState",
        "InvalidationGroundEnum": "cards.models.InvalidationGround",
        "CardKindEnum": "cards.models.CardKind",
        "ReplacementReasonEnum": "cards.models.ReplacementReason",
        "CaseKindEnum": "warranty.models.CaseKind",
        "CaseStateEnum": "warranty.models.CaseState",
    },
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style anywhere: every page's JS and CSS are static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        # Logging out of CAS continues on the CAS server.
        "form-action": ["'self'", *([CAS_SERVER_URL] if CAS_SERVER_URL else [])],
    },
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), serial=(), hid=(), bluetooth=(), "
    "interest-cohort=(), browsing-topics=()"
)
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
