"""A Redis cache for sessions that steps aside when Redis is down.

Sessions are `cached_db`: the database holds every session and the cache only saves a
query. With this backend a Redis outage turns each cache read into a miss and each write
into a no-op, so the session is read from and written to the database and nobody is
logged out or sees a 500. Rate limits use the default cache, which does raise: they must
fail closed (`warranty.ratelimit`).
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)


class DegradingRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            logger.warning("session cache unavailable, reading the database: %s", exc)
            return default

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            logger.warning("session cache unavailable, writing the database only: %s", exc)

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as exc:
            logger.warning("session cache unavailable: %s", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as exc:
            logger.warning("session cache unavailable, not deleting %s: %s", key, exc)
            return False

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as exc:
            logger.warning("session cache unavailable, asking the database: %s", exc)
            return False
