"""Reports over card reads from the reader bridge (reader_bridge.CardRead)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from reader_bridge.models import CardRead, ReaderDevice, ReadOutcome

from .charts import Series, bar_chart
from .filters import ReportFilters
from .registry import Report, register
from .tables import Column, ReportTable, percent


def reads_per_device_table(filters: ReportFilters) -> ReportTable:
    reads = CardRead.objects.filter(filters.within("received_at"),
                                    filters.scope("device__unit_id", "card__kind"))
    # Grouping on the id alone lets PostgreSQL hash the few groups; names come after.
    counts = (reads.values("device_id").order_by()
              .annotate(reads=Count("id"), failed=Count("id", filter=~Q(outcome=ReadOutcome.OK))))
    counts = {row["device_id"]: row for row in counts}
    devices = ReaderDevice.objects.filter(pk__in=list(counts)).select_related("unit")
    rows = sorted(({"name": d.name, "unit": d.unit.code, **counts[d.pk]} for d in devices),
                  key=lambda r: (r["unit"], r["name"], str(r["device_id"])))
    return ReportTable(
        columns=[Column("reader", _("Reader")), Column("unit", _("Unit")),
                 Column("reads", _("Reads"), numeric=True),
                 Column("failed", _("Failed reads"), numeric=True),
                 Column("failed_pct", _("Failed (%)"), numeric=True)],
        rows=[(r["name"], r["unit"], r["reads"], r["failed"],
               percent(r["failed"], r["reads"])) for r in rows],
    )


def reads_per_device_charts(table: ReportTable, filters: ReportFilters) -> list[SafeString]:
    names = [f"{name} ({unit})" for name, unit, *_rest in table.rows]
    return [bar_chart(
        chart_id="reads-per-device", title=str(_("Reads per reader")),
        description=str(_("Stacked bars: successful and failed reads for each reader device.")),
        categories=names,
        series=[Series(str(_("successful")), [row[2] - row[3] for row in table.rows]),
                Series(str(_("failed")), [row[3] for row in table.rows])],
        stacked=True, y_label=str(_("reads")), empty_message=str(_("No reads in this range.")))]


register(Report(
    slug="reads-per-device", title=_("Reads and failed reads per reader"),
    description=_("Card reads received from each reader device, and how many of them failed."),
    table=reads_per_device_table, charts=reads_per_device_charts,
))
