"""A query whose only moving parts are times relative to "now", compiled once.

Building and compiling the counts behind every dashboard and queue (a union of four
filtered parts) costs several times what PostgreSQL spends running it. Its SQL depends
only on who asks (the key) and its time parameters only on `now`, so it is compiled once
per key at a reference time and each later run shifts those parameters by the time
since. Whether a query has that shape is checked when it is first compiled, not assumed:
it is compiled at two times, and unless the SQL is the same and exactly its datetime
parameters moved by the gap, it is compiled afresh on every run, as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

_CHECK_GAP = dt.timedelta(days=1, seconds=1)
_MAX_KEYS = 2048
# key -> (sql, params, the reference time) or None when the query is not of that shape
_compiled: dict[Hashable, tuple[str, tuple, dt.datetime] | None] = {}


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    """The SQL and parameters; no SQL for a query that can have no rows."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return "", ()
    return sql, tuple(params)


def _shifts_with_now(first: tuple[str, tuple], second: tuple[str, tuple]) -> bool:
    if first[0] != second[0] or len(first[1]) != len(second[1]):
        return False
    for a, b in zip(first[1], second[1], strict=True):
        if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
            if b - a != _CHECK_GAP:
                return False
        elif a != b or isinstance(a, dt.date):  # a date cannot be shifted exactly
            return False
    return True


def _compile(key: Hashable, build: Callable[[dt.datetime], QuerySet],
             now: dt.datetime) -> tuple[str, tuple, dt.datetime] | None:
    first = _sql(build(now))
    entry = (*first, now) if _shifts_with_now(first, _sql(build(now + _CHECK_GAP))) else None
    if len(_compiled) >= _MAX_KEYS:
        _compiled.clear()
    _compiled[key] = entry
    return entry


def rows_at(key: Hashable, build: Callable[[dt.datetime], QuerySet],
            now: dt.datetime) -> list[dict[str, Any]]:
    """The rows (as dicts) of `build(now)`; `key` must name everything but `now` that
    shapes the query (e.g. the user's roles and units)."""
    entry = _compiled[key] if key in _compiled else _compile(key, build, now)
    if entry is None:
        sql, params = _sql(build(now))
    else:
        sql, params, reference = entry
        params = tuple(p + (now - reference) if isinstance(p, dt.datetime) else p
                       for p in params)
    if not sql:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
