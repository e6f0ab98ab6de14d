"""Addresses of pages that take no arguments, reversed once per script prefix and URL
configuration: the top bar and the dashboards link to some twenty on every page, always
the same, and each `reverse` walks the resolver (~15 µs)."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


@cache
def _reversed(name: str, prefix: str, urlconf: str) -> str:  # noqa: ARG001 - the key
    return reverse(name, urlconf=urlconf)


def page_url(name: str) -> str:
    return _reversed(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@cache
def _query(params: tuple[tuple[str, str], ...]) -> str:
    return urlencode(params)


def page_url_with(name: str, **params: str) -> str:
    """The page's address with a query string (`?queue=to_assess`)."""
    return f"{page_url(name)}?{_query(tuple(params.items()))}"
