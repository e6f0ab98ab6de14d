"""Report tables (the numbers behind each chart) and small helpers to shape them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString

from .charts import Series


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False


@dataclass
class ReportTable:
    """Rows are tuples in column order, already small: every report aggregates in SQL."""

    columns: Sequence[Column]
    rows: list[tuple[Any, ...]]
    flagged: set[int] = field(default_factory=set)  # row indexes to highlight

    @property
    def header(self) -> list[str]:
        return [str(column.label) for column in self.columns]


@dataclass
class ReportResult:
    table: ReportTable
    charts: list[SafeString] = field(default_factory=list)


def month_keys(date_from: dt.date, date_to: dt.date) -> list[str]:
    """Every month of the range as "YYYY-MM", so empty months show as zero."""
    keys = []
    year, month = date_from.year, date_from.month
    while (year, month) <= (date_to.year, date_to.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def month_key(value: dt.date | dt.datetime | None) -> str:
    return value.strftime("%Y-%m") if value else ""


def pivot(rows: Iterable[tuple[str, str, float]], categories: Sequence[str],
          series_names: Sequence[str]) -> list[Series]:
    """(category, series, value) triples → one Series per name, zero where missing."""
    grid = {(category, name): value for category, name, value in rows}
    return [Series(name=name, values=[grid.get((c, name), 0) for c in categories])
            for name in series_names]


def present(names: Iterable[str], order: Sequence[str]) -> list[str]:
    """The names that occur, in the canonical `order`."""
    seen = set(names)
    return [name for name in order if name in seen]


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def choice_label(choices: Any, value: str) -> str:
    """The translated label of a choice, or the raw value if it is not (or no longer) one."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "—"


def per_month(rows: Iterable[Sequence[Any]], months: Sequence[str], column: int) -> list:
    """One column of rows keyed by month (first column), zero for months without a row."""
    by_month = {row[0]: row[column] for row in rows}
    return [by_month.get(month, 0) for month in months]
