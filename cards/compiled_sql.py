"""A list page's rows by their ids, the query compiled once per number of ids.

Building and compiling a queryset through the ORM costs several times what PostgreSQL
spends answering a page's rows by key (25 cases joined to their card, holder, unit and
assignee: ~0.6 ms of CPU to build and compile, ~0.2 ms to run). Its SQL depends only on
how many ids there are, so `rows_by_ids` compiles it once per key and number of ids, and
each later run puts the page's ids where the compiled ids stood. That the ids reach the
SQL only as those parameters is checked, not assumed: it is compiled for two different
sets of probe ids, and unless the SQL is the same and the parameters differ exactly
where the probes stand, every run builds and compiles the query afresh. The rows come
back as the queryset gives them (through the compiler's converters, e.g. SQLite's
datetimes).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler

_PROBES = (10**15, 2 * 10**15)  # ids no table reaches, two sets apart
_MAX_KEYS = 256


class _Compiled:
    def __init__(self, compiler: SQLCompiler, sql: str, params: tuple,
                 id_at: dict[int, int]) -> None:
        self.compiler, self.sql, self.params, self.id_at = compiler, sql, params, id_at

    def rows(self, ids: Sequence[int]) -> list[tuple]:
        params = list(self.params)
        for position, index in self.id_at.items():
            params[position] = ids[index]
        with connections[self.compiler.using].cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        return list(self.compiler.results_iter(results=[fetched], tuple_expected=True))


# (key, number of ids) -> the compiled query, or None when it is not of that shape
_compiled: dict[Hashable, _Compiled | None] = {}


def _compile(build: Callable[[list[int]], QuerySet], count: int) -> _Compiled | None:
    first_ids, second_ids = ([probe + i for i in range(count)] for probe in _PROBES)
    first = build(first_ids)
    query = first.query
    if query.annotation_select or query.extra_select:  # values_list would reorder them
        return None
    compiler = query.get_compiler(using=first.db)
    sql, params = compiler.as_sql()
    second_sql, second_params = build(second_ids).query.sql_with_params()
    if sql != second_sql or len(params) != len(second_params):
        return None
    index_of = {probe: index for index, probe in enumerate(first_ids)}
    id_at = {}
    for position, (param, second) in enumerate(zip(params, second_params, strict=True)):
        if isinstance(param, int) and param in index_of and second == second_ids[
                index_of[param]]:
            id_at[position] = index_of[param]
        elif param != second:
            return None
    if sorted(id_at.values()) != list(range(count)):  # each id in exactly one place
        return None
    return _Compiled(compiler, sql, tuple(params), id_at)


def rows_by_ids(key: Hashable, build: Callable[[list[int]], QuerySet],
                ids: Sequence[int]) -> list[tuple]:
    """The rows of `build(ids)`, a `values_list` queryset of the rows with those ids;
    `key` must name everything but the ids that shapes the query."""
    ids = list(ids)
    if not ids:
        return []
    entry_key = (key, len(ids))
    if entry_key not in _compiled:
        if len(_compiled) >= _MAX_KEYS:
            _compiled.clear()
        _compiled[entry_key] = _compile(build, len(ids))
    compiled = _compiled[entry_key]
    return compiled.rows(ids) if compiled is not None else list(build(ids))
