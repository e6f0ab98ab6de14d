"""Reports over cards and their history (cards.Card, cards.CardEvent)."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from cards.models import (
    Card,
    CardKind,
    CardState,
    InvalidationGround,
    ReplacementReason,
    Unit,
)

from .charts import Series, bar_chart, line_chart
from .filters import ReportFilters
from .models import CardEventDay
from .registry import Report, register
from .rollups import card_event_days_as_of
from .tables import Column, ReportTable, choice_label, month_key, month_keys, pivot, present

# --- cards by state and kind per unit (a snapshot: no date range) ---

def cards_by_state_table(filters: ReportFilters) -> ReportTable:
    counts = (Card.objects.filter(filters.cards())
              .values("serving_unit_id", "kind", "state").order_by()
              .annotate(cards=Count("id")))
    units = Unit.objects.in_bulk({row["serving_unit_id"] for row in counts})
    rows = sorted(({**row, "unit": units[row["serving_unit_id"]].name} for row in counts),
                  key=lambda r: (r["unit"], r["kind"], r["state"]))
    return ReportTable(
        columns=[Column("unit", _("Unit")), Column("kind", _("Card kind")),
                 Column("state", _("State")), Column("cards", _("Cards"), numeric=True)],
        rows=[(r["unit"], r["kind"], choice_label(CardState, r["state"]), r["cards"])
              for r in rows],
    )


def cards_by_state_charts(table: ReportTable, filters: ReportFilters) -> list[SafeString]:
    states = present((row[2] for row in table.rows), [str(s.label) for s in CardState])
    kinds = present((row[1] for row in table.rows), CardKind.values)
    totals: dict[tuple[str, str], int] = {}
    for _unit, kind, state, cards in table.rows:
        totals[(state, kind)] = totals.get((state, kind), 0) + cards
    return [bar_chart(
        chart_id="cards-by-state", title=str(_("Cards by state and kind")),
        description=str(_("Stacked bars: the number of cards in each state, split by kind.")),
        categories=states, series=pivot(((s, k, n) for (s, k), n in totals.items()), states, kinds),
        stacked=True, y_label=str(_("cards")), empty_message=str(_("No cards match.")))]


register(Report(
    slug="cards-by-state", title=_("Cards by state and kind"),
    description=_("How many cards are in each state, per unit and card kind, right now."),
    table=cards_by_state_table, charts=cards_by_state_charts, uses_dates=False,
))


# --- card history per month (extensions, replacements, invalidations), from the rollup ---

def _history(filters: ReportFilters, *actions: str):
    return CardEventDay.objects.filter(filters.within_dates("day"),
                                       filters.scope("unit_id", "kind"), action__in=actions)


def extensions_table(filters: ReportFilters) -> ReportTable:
    rows = (_history(filters, "extend")
            .annotate(month=TruncMonth("day"))
            .values("month", "kind")
            .annotate(extensions=Sum("events"))
            .order_by("month", "kind"))
    return ReportTable(
        columns=[Column("month", _("Month")), Column("kind", _("Card kind")),
                 Column("extensions", _("Extensions"), numeric=True)],
        rows=[(month_key(r["month"]), r["kind"], r["extensions"]) for r in rows],
    )


def extensions_charts(table: ReportTable, filters: ReportFilters) -> list[SafeString]:
    months = month_keys(filters.date_from, filters.date_to)
    kinds = present((row[1] for row in table.rows), CardKind.values)
    return [bar_chart(
        chart_id="extensions", title=str(_("Extensions per month")),
        description=str(_("Stacked bars: chip extensions recorded each month, by card kind.")),
        categories=months, series=pivot(table.rows, months, kinds), stacked=True,
        y_label=str(_("extensions")), empty_message=str(_("No extensions in this range.")))]


register(Report(
    slug="extensions", title=_("Extensions per month"),
    description=_("Chip validity extensions recorded in the card history, per month and kind."),
    table=extensions_table, charts=extensions_charts,
    freshness=card_event_days_as_of,
))


def replacements_table(filters: ReportFilters) -> ReportTable:
    rows = (_history(filters, "replace")
            .annotate(month=TruncMonth("day"))
            .values("month", "detail")
            .annotate(cards=Sum("events"))
            .order_by("month", "detail"))
    return ReportTable(
        columns=[Column("month", _("Month")), Column("reason", _("Replacement")),
                 Column("cards", _("Cards replaced"), numeric=True)],
        rows=[(month_key(r["month"]), choice_label(ReplacementReason, r["detail"]), r["cards"])
              for r in rows],
    )


def replacements_charts(table: ReportTable, filters: ReportFilters) -> list[SafeString]:
    months = month_keys(filters.date_from, filters.date_to)
    reasons = present((row[1] for row in table.rows),
                      [str(r.label) for r in ReplacementReason])
    return [line_chart(
        chart_id="replacements", title=str(_("Warranty exchanges and duplicates per month")),
        description=str(_("Lines: cards replaced each month, by warranty or paid duplicate.")),
        categories=months, series=pivot(table.rows, months, reasons),
        y_label=str(_("cards")), empty_message=str(_("No replacements in this range.")))]


register(Report(
    slug="replacements", title=_("Warranty exchanges and duplicates per month"),
    description=_("Old cards replaced by a new one, per month, by the reason of replacement."),
    table=replacements_table, charts=replacements_charts,
    freshness=card_event_days_as_of,
))


# --- invalidations by ground ---

def invalidations_table(filters: ReportFilters) -> ReportTable:
    rows = (_history(filters, "decide_invalidation", "confirm_corner_cut")
            .values("detail", "kind")
            .annotate(decided=Sum("events", filter=Q(action="decide_invalidation"), default=0),
                      cut=Sum("events", filter=Q(action="confirm_corner_cut"), default=0))
            .order_by("detail", "kind"))
    return ReportTable(
        columns=[Column("ground", _("Ground")), Column("kind", _("Card kind")),
                 Column("decided", _("Invalidations decided"), numeric=True),
                 Column("cut", _("Corner cuts confirmed"), numeric=True)],
        rows=[(choice_label(InvalidationGround, r["detail"]), r["kind"], r["decided"],
               r["cut"]) for r in rows],
    )


def invalidations_charts(table: ReportTable, filters: ReportFilters) -> list[SafeString]:
    grounds = present((row[0] for row in table.rows),
                      [str(g.label) for g in InvalidationGround] + ["—"])
    decided: dict[str, int] = {}
    cut: dict[str, int] = {}
    for ground, _kind, n_decided, n_cut in table.rows:
        decided[ground] = decided.get(ground, 0) + n_decided
        cut[ground] = cut.get(ground, 0) + n_cut
    return [bar_chart(
        chart_id="invalidations", title=str(_("Invalidations by ground")),
        description=str(_("Bars side by side: invalidations decided and corner cuts confirmed, "
                          "per ground.")),
        categories=grounds,
        series=[Series(str(_("decided")), [decided[g] for g in grounds]),
                Series(str(_("corner cut")), [cut[g] for g in grounds])],
        y_label=str(_("cards")), empty_message=str(_("No invalidations in this range.")))]


register(Report(
    slug="invalidations", title=_("Invalidations by ground"),
    description=_("Final invalidations decided and corner cuts confirmed, by legal ground."),
    table=invalidations_table, charts=invalidations_charts,
    freshness=card_event_days_as_of,
))
