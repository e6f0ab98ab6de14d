"""The client's address as the rate limits and the login throttle count it."""

from __future__ import annotations


def client_ip(request) -> str:
    # The TLS proxy in front (gunicorn's forwarded_allow_ips) sets REMOTE_ADDR; a header the
    # client sends itself would let it pick a fresh address for every try.
    return request.META.get("REMOTE_ADDR", "")
