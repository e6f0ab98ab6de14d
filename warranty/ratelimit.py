"""A fixed-window counter on Django's cache (works with locmem and Redis alike)."""

from __future__ import annotations

from django.core.cache import cache


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key`; False once more than `limit` hits fell in the window."""
    cache_key = f"ratelimit:{key}"
    # add() is atomic on both backends, so the first hit of a window starts it exactly once.
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the window expired between add() and incr()
        cache.add(cache_key, 1, timeout=window_seconds)
        return True
    return count <= limit
