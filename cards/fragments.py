"""Parts of pages rendered once per everything they show and kept in this process's memory
(the `fragments` cache: a new release, its templates, translations or code, starts with
none, and nothing kept by another build is ever shown).

A part's key names all it shows (`key`: the caller's values, and always the language, time
zone and URL prefix it is rendered in). Its CSRF token, the one thing a form shows that is
the viewer's own, is rendered as `CSRF_STAND_IN` and replaced on each view by the
request's token (`with_token`), so viewers who share a part never share a token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

CACHE = "fragments"
CSRF_STAND_IN = "\x00csrf-token\x00"  # no text of a page holds a NUL


def key(kind: str, *shown: Any) -> str:
    """The key of a part of `kind` showing `shown` (values with a faithful `repr`), in this
    request's language, time zone and URL prefix."""
    viewing = (translation.get_language() or "", timezone.get_current_timezone_name(),
               get_script_prefix())
    return f"{kind}:" + hashlib.sha256(repr((shown, viewing)).encode()).hexdigest()


def kept(part_key: str | None, render: Callable[[], Any]) -> Any:
    """What `render()` gives (HTML, or parts of it; safe strings stay safe), kept under
    `part_key`; rendered each time when the key is None."""
    found = caches[CACHE].get(part_key) if part_key else None
    if found is None:
        found = render()
        if part_key:
            caches[CACHE].set(part_key, found)
    return found


def with_token(html: str, token: Callable[[], Any]) -> SafeString:
    """`html` with the stand-in replaced by `token()`; `token` is not called when the part
    holds no form (a page that shows none asks for no token)."""
    if CSRF_STAND_IN not in html:
        return mark_safe(html)  # noqa: S308 - rendered by our templates
    return mark_safe(html.replace(CSRF_STAND_IN, str(token())))  # noqa: S308
