"""The list of reports: each one a table computed in the database plus its charts."""

from __future__ import annotations

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

    def run(self, filters: ReportFilters) -> ReportResult:
        table = self.table(filters)
        return ReportResult(table=table, charts=self.charts(table, filters))


REPORTS: dict[str, Report] = {}


def register(report: Report) -> Report:
    if report.slug in REPORTS:
        raise ValueError(f"report {report.slug!r} is registered twice")
    REPORTS[report.slug] = report
    return report
