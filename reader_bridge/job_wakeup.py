"""Waking a waiting long poll as soon as a job for its device is ready.

A workstation's long poll (`job_channel.job_wait`) would otherwise ask the database ten
times a second for up to 25 s; at semester start that is every desk of the university.
Instead it blocks on a per-device Redis list (BLPOP), and a job that becomes ready pushes
to that list once its transaction has committed. The database stays the only truth: a
wake-up only says "look now", a missed one (Redis down, a push before the poll began)
costs at most RECHECK_SECONDS, and without Redis (the demo) the poll asks the database
every FALLBACK_INTERVAL_SECONDS.

redis-py is used directly because Django's cache API has no blocking pop, and the
cache's own connections time out after one second (`settings._REDIS_OPTIONS`).
"""

from __future__ import annotations

import logging
import time
from functools import cache

import redis
from redis.exceptions import RedisError

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 5.0
FALLBACK_INTERVAL_SECONDS = 0.1
KEY_LIFETIME_SECONDS = 60


def _key(device_id) -> str:
    return f"legitymacje:reader-jobs:{device_id}"


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=1,
                                socket_timeout=RECHECK_SECONDS + 2)


def _redis() -> redis.Redis | None:
    url = getattr(settings, "REDIS_URL", "")
    return _client(url) if url else None


def job_ready_announce(device_id) -> None:
    """After the current transaction commits, wake the device's waiting poll."""
    transaction.on_commit(lambda: _push(device_id))


def _push(device_id) -> None:
    client = _redis()
    if client is None:
        return
    try:
        with client.pipeline() as pipe:
            pipe.lpush(_key(device_id), 1).expire(_key(device_id), KEY_LIFETIME_SECONDS)
            pipe.execute()
    except RedisError as exc:  # the poll finds the job at its next recheck
        logger.warning("reader job wake-up not sent: %s", exc)


def job_ready_wait(device_id, seconds: float) -> None:
    """Return when a job for the device may be ready, or after at most `seconds`."""
    client = _redis()
    if client is not None:
        timeout = min(seconds, RECHECK_SECONDS)
        try:
            if timeout >= 0.01:
                client.blpop([_key(device_id)], timeout=timeout)
                return
        except RedisError as exc:
            logger.warning("reader job wake-up unavailable, polling the database: %s", exc)
    time.sleep(max(0.0, min(seconds, FALLBACK_INTERVAL_SECONDS)))
