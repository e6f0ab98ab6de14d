"""Querysets built and compiled once per key, each later run with its values put into the
compiled SQL's parameters: `fetch(key, build, *values)` is `list(build(*values))`.

Building and compiling a queryset through the ORM costs several times what the database
spends answering a small one (the user with roles and units on every page, the case
page's main query, a queue's rows by key, the counts behind every dashboard). When the
SQL depends only on who asks (the key) and its parameters only on the values, the query
is compiled once per key. That shape is checked, not assumed: the query is built for two
sets of probe values, and unless the SQL is the same and the parameters differ exactly
where the probes stand, every run builds the query afresh, as the ORM would. A parameter
that stands for a value is the value itself or, for a time, the value moved by a fixed
amount (`now - 14 days`). A date or time among the parameters that is none of these (one
the build read from the clock, or truncated) leaves the query uncompiled: it would not
move with the values. On SQLite times reach the parameters as text, so queries of a time
are built each run there.

The rows come through the compiler's converters and become what the queryset's own
iterable makes of them (instances with their joined relations and annotations, dicts or
tuples), from Django internals (the compiler's `select`, `klass_info` and
`annotation_col_map`, `get_related_populators`): after a Django upgrade
`tests/cards/test_compiled_queries.py` must pass again. Written by hand because Django
has no public way to reuse a compiled query, and psycopg's prepared statements save the
database's planning, not the ORM's compiling.

On PostgreSQL the parameters that never change (the states of an `IN` list, a role's
name, a key the key names) are written into the SQL as literals, psycopg's own quoting:
psycopg splits a statement at its placeholders on every run and keeps the split only for
statements of at most 50 parameters (and 4 kB), which the counts behind the queues and
dashboards pass (~70); the few that remain are the values'.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from psycopg import sql as pg_sql

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.sql.compiler import SQLCompiler

_MAX_KEYS = 4096
# A probe time is the first value's time moved by one of these, a different one per value,
# so that a parameter `value + shift` tells which value it moved with.
_TIME_GAPS = tuple(dt.timedelta(days=1, seconds=1 + i) for i in range(16))
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_PLACEHOLDER = re.compile("%%|%s")  # Django's SQL: %s a parameter, %% a percent sign


@dataclass(frozen=True)
class _Slot:
    position: int  # among the parameters
    value: int  # which of the values goes there
    shift: dt.timedelta | None  # a time: the value moved by this


@dataclass(frozen=True)
class _Compiled:
    compiler: SQLCompiler  # as_sql() ran: its select, klass_info and annotations are set
    iterable: type
    sql: str
    params: tuple
    slots: tuple[_Slot, ...]

    @cached_property
    def _columns(self) -> tuple[list, dict, bool]:
        """What the compiler's `results_iter` looks up on every run: the selected columns,
        their converters (most of what converting the case page's dozen joined tables cost)
        and whether any is composite."""
        compiler = self.compiler
        columns = [column[0] for column in compiler.select[0:compiler.col_count]]
        return columns, compiler.get_converters(columns), compiler.has_composite_fields(columns)

    def _converted(self, rows: list) -> Any:
        """The rows as `results_iter` gives them."""
        columns, converters, composite = self._columns
        converted: Any = iter(rows)
        if converters:
            converted = self.compiler.apply_converters(converted, converters)
        if composite:
            converted = self.compiler.composite_fields_to_tuples(converted, columns)
        return converted

    def fetch(self, values: tuple) -> list:
        params = list(self.params)
        for slot in self.slots:
            value = values[slot.value]
            params[slot.position] = value if slot.shift is None else value + slot.shift
        with connections[self.compiler.using].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
            # Only dicts need the names: psycopg builds the description anew, an object per
            # column, each time it is read (~0.9 ms for the case page's hundred columns).
            names = ([column[0] for column in cursor.description or ()]
                     if self.iterable is ValuesIterable else ())
        converted = self._converted(rows)
        if self.iterable is ModelIterable:
            return list(_instances(self.compiler, converted))
        if self.iterable is ValuesIterable:
            return [dict(zip(names, row, strict=True)) for row in converted]
        if self.iterable is FlatValuesListIterable:
            return [row[0] for row in converted]
        return [tuple(row) for row in converted]


_compiled: dict[Hashable, _Compiled | None] = {}  # None: not of that shape, built each run


def fetch(key: Hashable, build: Callable[..., QuerySet], *values: Any) -> list:
    """`list(build(*values))`. `key` must name everything but the values that shapes the
    query (the user's roles and units, how many ids); the values are put in as given, so
    pass them as the column holds them (an int for a key, not its text)."""
    if key not in _compiled:
        if len(_compiled) >= _MAX_KEYS:
            _compiled.clear()
        _compiled[key] = _compile(build, values)
    compiled = _compiled[key]
    if compiled is None or not all(map(_fits_a_column, values)):
        return list(build(*values))
    return compiled.fetch(values)


def _fits_a_column(value: Any) -> bool:
    """Whether `value` can go to the database as it is: an int past 64 bits cannot
    (SQLite raises OverflowError), and the ORM's own lookup answers it with no rows
    (an id typed as `/api/cases/123888682063273599696896/` is not found, not a 500)."""
    return not isinstance(value, int) or _INT64_MIN <= value <= _INT64_MAX


def is_compiled(key: Hashable) -> bool:
    """Whether the query of `key` runs compiled (False when it is built each run, or has
    not run yet)."""
    return _compiled.get(key) is not None


def forget() -> None:
    """Drop every compiled query (tests that count queries from a cold start)."""
    _compiled.clear()


def _compile(build: Callable[..., QuerySet], values: tuple) -> _Compiled | None:
    probes = _probes(values)
    if probes is None:
        return None
    first, second = build(*probes[0]), build(*probes[1])
    if (first._iterable_class not in (ModelIterable, ValuesIterable, ValuesListIterable,
                                      FlatValuesListIterable)
            or first._known_related_objects or first._prefetch_related_lookups
            or (first._iterable_class is ValuesListIterable
                and (first.query.extra_select or first.query.annotation_select))):
        return None  # what the iterable adds (reordered columns, prefetches) is not rebuilt
    compiler = first.query.get_compiler(using=first.db)
    try:
        sql, params = compiler.as_sql()
        other_sql, other_params = second.query.get_compiler(using=second.db).as_sql()
    except EmptyResultSet:
        return None
    if sql != other_sql or len(params) != len(other_params):
        return None
    slots = []
    for position, (param, other) in enumerate(zip(params, other_params, strict=True)):
        slot = _slot(position, param, other, probes)
        if slot is not None:
            slots.append(slot)
        elif param != other or isinstance(param, dt.date):
            return None
    if {slot.value for slot in slots} != set(range(len(values))):
        return None
    connection = connections[compiler.using]
    if connection.vendor == "postgresql":
        sql, params, slots = _constants_inlined(connection, sql, params, slots)
    return _Compiled(compiler, first._iterable_class, sql, tuple(params), tuple(slots))


def _constants_inlined(connection: Any, sql: str, params: list, slots: list[_Slot]
                       ) -> tuple[str, list, list[_Slot]]:
    """The SQL with each parameter no value goes to written in as a literal (a text or a
    number; anything else stays a parameter), the parameters and slots that remain."""
    connection.ensure_connection()
    by_position = {slot.position: slot for slot in slots}
    kept, kept_slots = [], []
    positions = iter(range(len(params)))

    def placeholder(match: re.Match) -> str:
        if match.group() == "%%":
            return "%%"
        position = next(positions)
        param = params[position]
        if position not in by_position and isinstance(param, (str, int)):
            literal = pg_sql.Literal(param).as_string(connection.connection)
            return literal.replace("%", "%%")
        if position in by_position:
            kept_slots.append(_Slot(len(kept), by_position[position].value,
                                    by_position[position].shift))
        kept.append(param)
        return "%s"

    return _PLACEHOLDER.sub(placeholder, sql), kept, kept_slots


def _probes(values: tuple) -> tuple[tuple, tuple] | None:
    """Two sets of stand-ins of the values' types that no real parameter holds."""
    first, second = [], []
    for index, value in enumerate(values):
        if isinstance(value, bool):
            return None
        if isinstance(value, int):  # negative: no key is; small: an int column holds it
            first.append(-2_000_000_000 - 2 * index)
            second.append(-2_000_000_001 - 2 * index)
        elif isinstance(value, str):
            first.append(f"\x00probe-{index}-a\x00")
            second.append(f"\x00probe-{index}-b\x00")
        elif isinstance(value, dt.datetime) and index < len(_TIME_GAPS):
            first.append(value)
            second.append(value + _TIME_GAPS[index])
        else:
            return None
    return tuple(first), tuple(second)


def _slot(position: int, param: Any, other: Any, probes: tuple[tuple, tuple]) -> _Slot | None:
    for index, (probe, other_probe) in enumerate(zip(*probes, strict=True)):
        if isinstance(probe, dt.datetime):
            if (isinstance(param, dt.datetime) and isinstance(other, dt.datetime)
                    and other - param == other_probe - probe):
                return _Slot(position, index, param - probe)
        elif type(param) is type(probe) and (param, other) == (probe, other_probe):
            return _Slot(position, index, None)
    return None


def _instances(compiler: SQLCompiler, rows):
    """Model instances as Django's ModelIterable makes them from a compiled query."""
    select, klass_info, db = compiler.select, compiler.klass_info, compiler.using
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    attnames = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, db)
    annotations = compiler.annotation_col_map
    for row in rows:
        obj = klass_info["model"].from_db(db, attnames, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for name, position in annotations.items():
            setattr(obj, name, row[position])
        yield obj
