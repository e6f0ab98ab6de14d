"""`escape`: what the templates' autoescape does to a value, for markup written in Python
on the list pages. Django's own `escape`/`format_html` check every argument for lazy
strings first, which costs more than the escaping over a page of rows. `id_links`: the
escaped link of each row's page, the URL reversed once per page; `table_rows`: the rows
one tag writes for a whole table."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

# A row id no table reaches; where it stands in a reversed URL, each row's id goes.
_PROBE = 987654321987654321


def escape(value: Any) -> str:
    """Markup marked safe stays as it is; anything else is escaped (& < > " ')."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def id_links(name: str) -> Callable[[int], str]:
    """`escape(reverse(name, args=[pk]))` for each row's `pk`, `name` being a URL whose
    one argument is a row id (`<int:pk>`, written as the number itself): reversed once
    with a probe id, whose place then takes each id (reversed for each id should the
    probe not stand alone in the URL)."""
    probe = str(_PROBE)
    before, found, after = escape(reverse(name, args=[_PROBE])).partition(probe)
    if not found or probe in before + after:
        return lambda pk: escape(reverse(name, args=[pk]))
    return lambda pk: f"{before}{int(pk)}{after}"


def table_rows(written: list[str]) -> SafeString:
    """Rows written in Python (each cell escaped), each followed by a line break and
    the indent, as the template's loop wrote them."""
    return mark_safe("".join(f"{row}\n  " for row in written))  # noqa: S308 - escaped cells
