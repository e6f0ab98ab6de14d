"""A fixed-window counter on Django's cache (works with locmem and Redis alike).

It fails closed: when the cache cannot count (Redis down), `hit` raises Unavailable and
the caller refuses the request (503) instead of letting it through uncounted.

On Redis every key of a request is counted in one round trip (a Lua script: INCR, and
EXPIRE on a window's first hit); other caches count with add() and incr().
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

if TYPE_CHECKING:
    from redis.commands.core import Script


class Unavailable(Exception):
    """The counter could not be read or moved."""


# Returns each key's count; a key's first hit of a window starts the window. The counters
# are Django's own integers (RedisCache stores an int as a plain Redis integer), so
# cache.get() and cache.incr() read the same numbers.
_COUNT_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('EXPIRE', key, ARGV[1]) end
end
return counts
"""
# The script, registered once per cache client: register_script() hashes the script's
# text each time it is called.
_scripts: WeakKeyDictionary[object, Script] = WeakKeyDictionary()


def hit(limits: dict[str, int], *, window_seconds: int) -> bool:
    """Count one hit on each key of `limits` (key → its limit); False once any key had
    more hits than its limit in the window."""
    if not limits:
        return True
    try:
        counts = _count(list(limits), window_seconds=window_seconds)
    except Exception as exc:  # the cache backend's own error types (redis, memcached …)
        raise Unavailable(str(exc)) from exc
    return all(count <= limit for count, limit in zip(counts, limits.values(), strict=True))


def _count(keys: list[str], *, window_seconds: int) -> list[int]:
    cache = caches["default"]
    cache_keys = [f"ratelimit:{key}" for key in keys]
    if isinstance(cache, RedisCache):
        redis_keys = [cache.make_and_validate_key(key) for key in cache_keys]
        return _count_script(cache)(keys=redis_keys, args=[window_seconds])
    return [_count_one(cache, key, window_seconds) for key in cache_keys]


def _count_one(cache, cache_key: str, window_seconds: int) -> int:
    # add() is atomic on every backend, so the first hit of a window starts it exactly once.
    if cache.add(cache_key, 1, timeout=window_seconds):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # the window expired between add() and incr()
        cache.add(cache_key, 1, timeout=window_seconds)
        return 1


def _count_script(cache: RedisCache) -> Script:
    cache_client = cache._cache  # the backend's own connection pool
    script = _scripts.get(cache_client)
    if script is None:
        script = _scripts[cache_client] = (
            cache_client.get_client(write=True).register_script(_COUNT_SCRIPT))
    return script
