"""One row of a model query by its primary key, the query compiled once per key.

Compiling the case page's main query through the ORM (the case with six joined relations,
some 130 columns) costs about three times what reading its row does. Its SQL depends
only on who asks (the key) and its parameters on the primary key alone, so it is compiled
once per key and each later run puts the primary key in. Whether a query has that shape
is checked when it is first compiled, as `timed_sql` does with times, not assumed: it is
compiled for two primary keys, and unless the SQL is the same and exactly the primary
key's parameters differ, every run goes through the ORM as before.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

_PROBES = (2**62 + 11, 2**62 + 13)  # two keys no parameter of a real query holds
_MAX_KEYS = 2048


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    key_at: tuple[int, ...]  # where the primary key goes among the parameters
    compiler: SQLCompiler  # what the ORM made of the query: its columns and relations


_compiled: dict[Hashable, _Compiled | None] = {}


def _compile(queryset: QuerySet, pk: Any) -> tuple[SQLCompiler, str, tuple] | None:
    compiler = queryset.filter(pk=pk).query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    return compiler, sql, tuple(params)


def _of_shape(queryset: QuerySet) -> _Compiled | None:
    first, second = (_compile(queryset, probe) for probe in _PROBES)
    if first is None or second is None or first[1] != second[1] or first[0].annotation_col_map:
        return None
    key_at = tuple(i for i, (a, b) in enumerate(zip(first[2], second[2], strict=True))
                   if a != b)
    if not key_at or any((first[2][i], second[2][i]) != _PROBES for i in key_at):
        return None
    compiler, sql, params = first
    return _Compiled(sql, params, key_at, compiler)


def get(key: Hashable, queryset: QuerySet, pk: Any) -> Model:
    """`queryset.get(pk=pk)` (DoesNotExist, like it); `key` must name everything but the
    primary key that shapes the query (e.g. the user's roles and units)."""
    if key not in _compiled:
        if len(_compiled) >= _MAX_KEYS:
            _compiled.clear()
        _compiled[key] = _of_shape(queryset)
    entry = _compiled[key]
    if entry is None:
        return queryset.get(pk=pk)
    pk = queryset.model._meta.pk.get_prep_value(pk)
    params = [pk if i in entry.key_at else value for i, value in enumerate(entry.params)]
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(entry.sql, params)
        rows = cursor.fetchall()
    found = list(_instances(entry.compiler, rows))
    if not found:
        raise queryset.model.DoesNotExist(
            f"{queryset.model._meta.object_name} matching query does not exist.")
    return found[0]  # a primary key: one row at most


def _instances(compiler: SQLCompiler, rows: list[tuple]):
    """Model instances of `rows`, with their joined relations, as the ORM builds them."""
    select, klass_info, db = compiler.select, compiler.klass_info, compiler.using
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    attnames = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, db)
    for row in compiler.results_iter([rows]):
        obj = klass_info["model"].from_db(db, attnames, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        yield obj
