"""The list of reports: each one a table computed in the database plus its charts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import SafeString

from .filters import ReportFilters
from .tables import ReportResult, ReportTable


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    description: str
    table: Callable[[ReportFilters], ReportTable]
    charts: Callable[[ReportTable, ReportFilters], list[SafeString]]
    uses_dates: bool = True
    help_text: str = ""
    help_params: dict | None = None
    # For reports read from a rollup: when its figures were last counted.
    freshness: Callable[[], dt.datetime | None] | None = None
    admin_only: bool = False  # e.g. the access log: for administrators alone

    @property
    def help(self) -> str:
        """The help text in the current language, with its numbers filled in."""
        return str(self.help_text) % self.help_params if self.help_params else str(self.help_text)

    def run(self, filters: ReportFilters) -> ReportResult:
        table = self.table(filters)
        return ReportResult(table=table, charts=self.charts(table, filters))


REPORTS: dict[str, Report] = {}


def register(report: Report) -> Report:
    if report.slug in REPORTS:
        raise ValueError(f"report {report.slug!r} is registered twice")
    REPORTS[report.slug] = report
    return report
