"""Redis caches: one client per connection pool, and for sessions one that steps aside
when Redis is down.

Sessions are `cached_db`: the database holds every session and the cache only saves a
query. With this backend a Redis outage turns each cache read into a miss and each write
into a no-op, so the session is read from and written to the database and nobody is
logged out or sees a 500. Rate limits use the default cache, which does raise: they must
fail closed (`warranty.ratelimit`).
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from django.core.cache.backends import redis as django_redis

logger = logging.getLogger(__name__)


class _OneClientPerPool(django_redis.RedisCacheClient):
    """Django's client makes a new `redis.Redis` for every command (~50 µs of CPU: it
    copies some 200 response callbacks); one per connection pool does the same, the pool
    handing out its connections (thread-safe, renewed after a fork) as before."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _OneClientPerPool


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
