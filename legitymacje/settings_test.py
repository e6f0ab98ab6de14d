"""Settings for the test suite: the same as production code paths, faster hashing."""

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                 "LOCATION": "sessions"},
    "fragments": CACHES["fragments"],  # noqa: F405 (in process memory, as in production)
}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
LANGUAGE_CODE = "pl"
# axes logs every login and reset at INFO: noise in every failing test's output.
AXES_VERBOSE = False
