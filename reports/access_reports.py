"""The access log as a report: who looked at or exported what, for administrators only."""

from __future__ import annotations

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from access_log.models import AccessEntry, Channel

from .charts import Series, bar_chart
from .filters import ReportFilters
from .registry import Report, register
from .tables import Column, ReportTable, choice_label

MAX_ROWS = 2000


def access_table(filters: ReportFilters) -> ReportTable:
    rows = (AccessEntry.objects.filter(filters.within("at"))
            .values("username", "subject", "object_id", "channel").order_by()
            .annotate(times=Count("id"), last=Max("at"))
            .order_by("-last")[:MAX_ROWS])
    return ReportTable(
        columns=[Column("who", _("Who")), Column("what", _("What")), Column("which", _("Which")),
                 Column("through", _("Through")), Column("times", _("Times"), numeric=True),
                 Column("last", _("Last time"))],
        rows=[(r["username"], r["subject"], r["object_id"], choice_label(Channel, r["channel"]),
               r["times"], date_format(timezone.localtime(r["last"]), "SHORT_DATETIME_FORMAT"))
              for r in rows],
    )


def access_charts(table: ReportTable, filters: ReportFilters) -> list[SafeString]:
    per_user: dict[str, int] = {}
    for who, _what, _which, _through, times, _last in table.rows:
        per_user[who] = per_user.get(who, 0) + times
    return [bar_chart(
        chart_id="access-per-user", title=str(_("Views and exports per person")),
        description=str(_("Bars: how many times each person viewed or exported records.")),
        categories=list(per_user), series=[Series(str(_("times")), list(per_user.values()))],
        y_label=str(_("times")), empty_message=str(_("Nobody viewed anything in this range.")))]


register(Report(
    slug="access-log", title=_("Access log"),
    description=_("Who viewed or exported which holder, card, case or file, and how often "
                  "(administrators only)."),
    table=access_table, charts=access_charts, admin_only=True,
))
