"""The production settings (DEBUG=0) as the benchmark serves them: plain HTTP on localhost,
and a status-lookup rate limit that a load generator does not reach."""

from legitymacje.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
WARRANTY_LOOKUP_LIMITS = {"per_ip": 10**9, "per_device": 10**9, "window_seconds": 600}
