"""A minimal Django project serving django-helpdesk 2.6.1 as our benchmark serves us
(legitymacje/settings.py + bench/pages/bench_settings.py): PostgreSQL with persistent
connections and JIT off, Redis as the cache and the session cache (cached_db sessions),
DEBUG=0, Polish, Europe/Warsaw. Queues are per-unit, reached through a queue permission
(HELPDESK_ENABLE_PER_QUEUE_STAFF_PERMISSION), as a dean's office reaches its unit."""

import os
import urllib.parse

_database = urllib.parse.urlsplit(
    os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_bench"))
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "peer-bench-only-" + "x" * 50)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peer_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]

DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": _database.path.lstrip("/"),
    "USER": urllib.parse.unquote(_database.username or ""),
    "PASSWORD": urllib.parse.unquote(_database.password or ""),
    "HOST": _database.hostname or "",
    "PORT": str(_database.port or ""),
    "CONN_MAX_AGE": 60,
    "CONN_HEALTH_CHECKS": True,
    "OPTIONS": {"options": "-c jit=off"},
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
_REDIS = {"socket_connect_timeout": 1, "socket_timeout": 1}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL, "OPTIONS": _REDIS, "KEY_PREFIX": "helpdesk"},
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

LANGUAGE_CODE = "pl"
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# The knowledge base stays on: helpdesk 2.6.1 urls.py fails with it off.
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_ENABLE_PER_QUEUE_STAFF_PERMISSION = True
