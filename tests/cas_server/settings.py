"""A throwaway CAS server (django-cas-server) for the single sign-on tests.

It runs in its own process (serve.py) with its own SQLite file, as the university's CAS
would: the app under test only talks to it over HTTP.
"""

import os

SECRET_KEY = "cas-test-server-only"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "cas_server",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "tests.cas_server.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.environ["CAS_TEST_DATABASE"]}}
USE_TZ = True
STATIC_URL = "static/"
CAS_AUTH_CLASS = "tests.cas_server.auth.FixtureUsers"
CAS_NEW_VERSION_HTML_WARNING = False
CAS_NEW_VERSION_EMAIL_WARNING = False
CAS_SHOW_POWERED = False
# No CDN: the login page may look plain, it only has to work.
CAS_COMPONENT_URLS = dict.fromkeys(
    ("bootstrap3_css", "bootstrap3_js", "html5shiv", "respond", "bootstrap4_css",
     "bootstrap4_js", "jquery"), "")
