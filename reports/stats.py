"""Percentiles of a duration computed in the database, one row per group.

PostgreSQL has `percentile_cont`; elsewhere (SQLite) the same linear interpolation is
done with window functions over the filtered rows, still in one query:
for a fraction p of n sorted values v[0..n-1], pos = p·(n−1) and the result is
v[floor(pos)] + (pos − floor(pos)) · (v[floor(pos)+1] − v[floor(pos)]).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, QuerySet


class DurationSeconds(Func):
    """Seconds from the first datetime expression to the second."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        start, end = (compiler.compile(e) for e in self.get_source_expressions())
        return (f"CAST(EXTRACT(EPOCH FROM ({end[0]} - {start[0]})) AS double precision)",
                (*end[1], *start[1]))

    def as_sqlite(self, compiler, connection, **extra_context):
        start, end = (compiler.compile(e) for e in self.get_source_expressions())
        return (f"((julianday({end[0]}) - julianday({start[0]})) * 86400.0)",
                (*end[1], *start[1]))


class PercentileCont(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)))


def duration_percentiles(rows: QuerySet, *, group: str, start: str, end: str,
                         fractions: Sequence[float]) -> list[tuple]:
    """[(group value, count, seconds at each fraction…)] ordered by group."""
    duration = DurationSeconds(F(start), F(end))
    if connection.vendor == "postgresql":
        aggregates = {f"p{i}": PercentileCont(duration, f) for i, f in enumerate(fractions)}
        result = (rows.values(group).annotate(n=Count("pk"), **aggregates).order_by(group))
        return [(r[group], r["n"], *(r[f"p{i}"] for i in range(len(fractions))))
                for r in result]
    return _window_percentiles(rows.annotate(g=F(group), v=duration).values("g", "v"),
                               fractions)


def _window_percentiles(values: QuerySet, fractions: Sequence[float]) -> list[tuple]:
    inner, params = values.order_by().query.sql_with_params()
    columns = []
    for fraction in fractions:
        # Row i is the lower neighbour when i <= pos < i+1 and the upper one when
        # i-1 <= pos < i; comparisons, not CAST, since CAST rounds on PostgreSQL.
        pos = f"({float(fraction)!r} * (n - 1))"
        columns.append(
            f"SUM(CASE WHEN i <= {pos} AND {pos} < i + 1 THEN v * (1 - ({pos} - i)) "
            f"WHEN i - 1 <= {pos} AND {pos} < i THEN v * ({pos} - (i - 1)) ELSE 0 END)")
    # Our own compiled SQL and float constants only; the values travel as params.
    select = ", ".join(["g", "MIN(n)", *columns])
    window = ("ROW_NUMBER() OVER (PARTITION BY g ORDER BY v) - 1 AS i, "
              "COUNT(*) OVER (PARTITION BY g) AS n")
    ranked = f"SELECT g, v, {window} FROM ({inner}) AS source"  # noqa: S608
    sql = f"SELECT {select} FROM ({ranked}) AS ranked GROUP BY g ORDER BY g"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]
