"""Reports over cases (warranty app): flow, backlog, resolution times, warranty."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, DecimalField, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from cards.models import Card
from warranty.models import (
    CLOSED_STATES,
    OPEN_STATES,
    Assessment,
    Case,
    CaseKind,
    CaseState,
    ExtensionError,
    Payment,
    PaymentStatus,
)

from .charts import Series, bar_chart, line_chart
from .filters import ReportFilters
from .registry import Report, register
from .stats import duration_percentiles
from .tables import (
    Column,
    ReportTable,
    choice_label,
    month_key,
    month_keys,
    per_month,
    percent,
    pivot,
    present,
)

# Closed states that end the work with a result (not cancelled or turned into another case).
RESOLVED_STATES = (CaseState.HANDED_OVER, CaseState.RESOLVED, CaseState.CARD_RETURNED)
AGE_BUCKETS = ((0, 7), (7, 30), (30, 90), (90, None))  # days, lower bound included
SECONDS_PER_DAY = 86400


def _kind_labels() -> list[str]:
    return [str(kind.label) for kind in CaseKind]


# --- cases opened and closed per month by kind ---

def case_flow_table(filters: ReportFilters) -> ReportTable:
    cases = Case.objects.filter(filters.cases())
    opened = (cases.filter(filters.within("created_at"))
              .annotate(month=TruncMonth("created_at")).values("month", "kind")
              .annotate(n=Count("id")))
    closed = (cases.filter(filters.within("state_changed_at"), state__in=sorted(CLOSED_STATES))
              .annotate(month=TruncMonth("state_changed_at")).values("month", "kind")
              .annotate(n=Count("id")))
    counts: dict[tuple[str, str], list[int]] = {}
    for index, rows in enumerate((opened, closed)):
        for row in rows:
            counts.setdefault((month_key(row["month"]), row["kind"]), [0, 0])[index] = row["n"]
    return ReportTable(
        columns=[Column("month", _("Month")), Column("kind", _("Case kind")),
                 Column("opened", _("Opened"), numeric=True),
                 Column("closed", _("Closed"), numeric=True)],
        rows=[(month, choice_label(CaseKind, kind), *counts[(month, kind)])
              for month, kind in sorted(counts)],
    )


def case_flow_charts(table: ReportTable, filters: ReportFilters) -> list[SafeString]:
    months = month_keys(filters.date_from, filters.date_to)
    kinds = present((row[1] for row in table.rows), _kind_labels())
    opened: dict[str, int] = {}
    closed: dict[str, int] = {}
    for month, _kind, n_opened, n_closed in table.rows:
        opened[month] = opened.get(month, 0) + n_opened
        closed[month] = closed.get(month, 0) + n_closed
    return [
        bar_chart(chart_id="cases-opened", title=str(_("Cases opened per month by kind")),
                  description=str(_("Stacked bars: cases opened each month, by case kind.")),
                  categories=months,
                  series=pivot(((m, k, o) for m, k, o, _c in table.rows), months, kinds),
                  stacked=True, y_label=str(_("cases")),
                  empty_message=str(_("No cases in this range."))),
        line_chart(chart_id="cases-opened-closed", title=str(_("Opened and closed per month")),
                   description=str(_("Lines: all cases opened and closed each month.")),
                   categories=months,
                   series=[Series(str(_("opened")), [opened.get(m, 0) for m in months]),
                           Series(str(_("closed")), [closed.get(m, 0) for m in months])],
                   y_label=str(_("cases")), empty_message=str(_("No cases in this range."))),
    ]


register(Report(
    slug="case-flow", title=_("Cases opened and closed per month"),
    description=_("Cases opened (by opening date) and closed (by closing date) each month, "
                  "by kind."),
    table=case_flow_table, charts=case_flow_charts,
))


# --- backlog: open cases by state and age ---

def _agechoice_label(low: int, high: int | None) -> str:
    if high is None:
        return str(_("%(days)s days or more") % {"days": low})
    return str(_("%(low)s–%(high)s days") % {"low": low, "high": high - 1})


def backlog_table(filters: ReportFilters, now: dt.datetime | None = None) -> ReportTable:
    now = now or timezone.now()
    buckets = {}
    for index, (low, high) in enumerate(AGE_BUCKETS):
        condition = Q(created_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            condition &= Q(created_at__gt=now - dt.timedelta(days=high))
        buckets[f"age{index}"] = Count("id", filter=condition)
    rows = (Case.objects.filter(filters.cases(), state__in=sorted(OPEN_STATES))
            .values("state").annotate(total=Count("id"), **buckets).order_by("state"))
    order = {state: index for index, state in enumerate(CaseState.values)}
    rows = sorted(rows, key=lambda row: order.get(row["state"], len(order)))
    return ReportTable(
        columns=[Column("state", _("State")),
                 *(Column(f"age{i}", _agechoice_label(*bucket), numeric=True)
                   for i, bucket in enumerate(AGE_BUCKETS)),
                 Column("total", _("Open cases"), numeric=True)],
        rows=[(choice_label(CaseState, r["state"]),
               *(r[f"age{i}"] for i in range(len(AGE_BUCKETS))), r["total"]) for r in rows],
    )


def backlog_charts(table: ReportTable, filters: ReportFilters) -> list[SafeString]:
    states = [row[0] for row in table.rows]
    series = [Series(_agechoice_label(*bucket), [row[1 + i] for row in table.rows])
              for i, bucket in enumerate(AGE_BUCKETS)]
    return [bar_chart(
        chart_id="backlog", title=str(_("Open cases by state and age")),
        description=str(_("Stacked bars: open cases in each state, split by how long ago "
                          "they were opened.")),
        categories=states, series=series, stacked=True, y_label=str(_("cases")),
        empty_message=str(_("No open cases.")))]


register(Report(
    slug="backlog", title=_("Backlog by state and age"),
    description=_("Open cases right now, by state and by how long they have been open."),
    table=backlog_table, charts=backlog_charts, uses_dates=False,
))


# --- time to resolution ---

def resolution_time_table(filters: ReportFilters) -> ReportTable:
    closed = Case.objects.filter(filters.cases(), filters.within("state_changed_at"),
                                 state__in=sorted(RESOLVED_STATES))
    rows = duration_percentiles(closed, group="kind", start="created_at",
                                end="state_changed_at", fractions=(0.5, 0.9))
    return ReportTable(
        columns=[Column("kind", _("Case kind")), Column("cases", _("Cases resolved"), True),
                 Column("median", _("Median (days)"), True),
                 Column("p90", _("90th percentile (days)"), True)],
        rows=[(choice_label(CaseKind, kind), n, round(p50 / SECONDS_PER_DAY, 1),
               round(p90 / SECONDS_PER_DAY, 1)) for kind, n, p50, p90 in rows],
    )


def resolution_time_charts(table: ReportTable, filters: ReportFilters) -> list[SafeString]:
    return [bar_chart(
        chart_id="resolution-time", title=str(_("Time to resolution per kind")),
        description=str(_("Bars side by side: median and 90th-percentile days from opening "
                          "to resolution, per case kind.")),
        categories=[row[0] for row in table.rows],
        series=[Series(str(_("median")), [row[2] for row in table.rows]),
                Series(str(_("90th percentile")), [row[3] for row in table.rows])],
        y_label=str(_("days")), empty_message=str(_("No cases resolved in this range.")))]


register(Report(
    slug="resolution-time", title=_("Time to resolution"),
    description=_("Median and 90th-percentile time from opening to resolution, for cases "
                  "resolved in the range (cancelled cases are left out)."),
    table=resolution_time_table, charts=resolution_time_charts,
))


# --- warranty approval rate ---

def approval_rate_table(filters: ReportFilters) -> ReportTable:
    rows = (Assessment.objects.filter(filters.cases("case__"), filters.within("at"))
            .annotate(month=TruncMonth("at")).values("month")
            .annotate(assessed=Count("id"),
                      approved=Count("id", filter=Q(outcome=Assessment.Outcome.WARRANTY)))
            .order_by("month"))
    return ReportTable(
        columns=[Column("month", _("Month")), Column("assessed", _("Cards assessed"), True),
                 Column("approved", _("Warranty approved"), True),
                 Column("duplicate", _("Paid duplicate"), True),
                 Column("rate", _("Approval rate (%)"), True)],
        rows=[(month_key(r["month"]), r["assessed"], r["approved"],
               r["assessed"] - r["approved"], percent(r["approved"], r["assessed"]))
              for r in rows],
    )


def approval_rate_charts(table: ReportTable, filters: ReportFilters) -> list[SafeString]:
    months = month_keys(filters.date_from, filters.date_to)
    return [
        bar_chart(chart_id="assessments", title=str(_("SSOS assessments per month")),
                  description=str(_("Stacked bars: warranty exchanges approved and paid "
                                    "duplicates required, per month.")),
                  categories=months,
                  series=[Series(str(_("warranty")), per_month(table.rows, months, 2)),
                          Series(str(_("duplicate")), per_month(table.rows, months, 3))],
                  stacked=True, y_label=str(_("assessments")),
                  empty_message=str(_("No assessments in this range."))),
    ]


register(Report(
    slug="approval-rate", title=_("Warranty approval rate"),
    description=_("SSOS assessments per month: how many cards got a free warranty exchange "
                  "and how many needed a paid duplicate."),
    table=approval_rate_table, charts=approval_rate_charts,
))


# --- duplicates and fee revenue ---

def fees_table(filters: ReportFilters) -> ReportTable:
    payments = Payment.objects.filter(filters.cases("case__"))
    required = (payments.filter(filters.within("created_at"))
                .annotate(month=TruncMonth("created_at")).values("month")
                .annotate(n=Count("id")))
    paid = (payments.filter(filters.within_dates("paid_on"), status=PaymentStatus.PAID)
            .annotate(month=TruncMonth("paid_on")).values("month")
            .annotate(n=Count("id"), revenue=Sum("amount", output_field=DecimalField())))
    months: dict[str, list] = {}
    for row in required:
        months.setdefault(month_key(row["month"]), [0, 0, 0])[0] = row["n"]
    for row in paid:
        entry = months.setdefault(month_key(row["month"]), [0, 0, 0])
        entry[1], entry[2] = row["n"], row["revenue"]
    return ReportTable(
        columns=[Column("month", _("Month")),
                 Column("required", _("Duplicates required"), True),
                 Column("paid", _("Fees paid"), True),
                 Column("revenue", _("Fee revenue (PLN)"), True)],
        rows=[(month, *months[month]) for month in sorted(months)],
    )


def fees_charts(table: ReportTable, filters: ReportFilters) -> list[SafeString]:
    months = month_keys(filters.date_from, filters.date_to)
    return [
        bar_chart(chart_id="duplicates", title=str(_("Paid duplicates per month")),
                  description=str(_("Bars side by side: duplicates required and fees paid.")),
                  categories=months,
                  series=[Series(str(_("required")), per_month(table.rows, months, 1)),
                          Series(str(_("paid")), per_month(table.rows, months, 2))],
                  y_label=str(_("duplicates")),
                  empty_message=str(_("No duplicates in this range."))),
        line_chart(chart_id="fee-revenue", title=str(_("Fee revenue per month")),
                   description=str(_("Line: duplicate fees paid each month, in PLN.")),
                   categories=months,
                   series=[Series("PLN", [float(v) for v in per_month(table.rows, months, 3)])],
                   y_label="PLN", empty_message=str(_("No fees paid in this range."))),
    ]


register(Report(
    slug="fees", title=_("Duplicates and fee revenue per month"),
    description=_("Paid duplicates required (by the date the fee fell due) and fees paid "
                  "(by payment date, refunded payments excluded)."),
    table=fees_table, charts=fees_charts,
))


# --- extension errors by type and unit ---

def extension_errors_table(filters: ReportFilters) -> ReportTable:
    rows = (Case.objects.filter(filters.cases(), filters.within("created_at"),
                                kind=CaseKind.EXTENSION_FAILURE)
            .values("extension_error", "unit__code")
            .annotate(cases=Count("id"),
                      still_open=Count("id", filter=Q(state__in=sorted(OPEN_STATES))))
            .order_by("extension_error", "unit__code"))
    return ReportTable(
        columns=[Column("error", _("Error")), Column("unit", _("Unit")),
                 Column("cases", _("Cases"), True), Column("open", _("Still open"), True)],
        rows=[(choice_label(ExtensionError, r["extension_error"]), r["unit__code"], r["cases"],
               r["still_open"]) for r in rows],
    )


def extension_errors_charts(table: ReportTable, filters: ReportFilters) -> list[SafeString]:
    errors = present((row[0] for row in table.rows), [str(e.label) for e in ExtensionError])
    units = sorted({row[1] for row in table.rows})
    return [bar_chart(
        chart_id="extension-errors", title=str(_("Extension errors by type and unit")),
        description=str(_("Stacked bars: extension-failure cases per error, split by unit.")),
        categories=errors,
        series=pivot(((e, u, n) for e, u, n, _open in table.rows), errors, units),
        stacked=True, y_label=str(_("cases")),
        empty_message=str(_("No extension failures in this range.")))]


register(Report(
    slug="extension-errors", title=_("Extension errors by type and unit"),
    description=_("Extension-failure cases opened in the range, by the error USOS showed "
                  "and by unit."),
    table=extension_errors_table, charts=extension_errors_charts,
))


# --- warranty claims per card blank batch ---

FLAG_RATIO = 2  # a batch stands out at twice the overall claim rate…
FLAG_MIN_CLAIMS = 5  # …with at least this many claims, so one or two unlucky cards do not
CHART_BATCHES = 20


def batch_claims_table(filters: ReportFilters) -> ReportTable:
    batch = ("blank_supplier", "blank_batch")
    cards = (Card.objects.filter(filters.cards()).values(*batch).annotate(n=Count("id"))
             .order_by())
    claims = (Case.objects.filter(filters.cases(), filters.within("created_at"),
                                  kind=CaseKind.FAULT)
              .values("card__blank_supplier", "card__blank_batch")
              .annotate(n=Count("id"),
                        approved=Count("id", filter=Q(assessment__outcome="warranty")))
              .order_by())
    per_batch = {(r["blank_supplier"], r["blank_batch"]): [r["n"], 0, 0] for r in cards}
    for r in claims:
        entry = per_batch.setdefault((r["card__blank_supplier"], r["card__blank_batch"]),
                                     [0, 0, 0])
        entry[1], entry[2] = r["n"], r["approved"]
    total_cards = sum(entry[0] for entry in per_batch.values())
    total_claims = sum(entry[1] for entry in per_batch.values())
    overall = total_claims / total_cards if total_cards else 0
    rows, flagged = [], set()
    ranked = sorted(per_batch.items(),
                    key=lambda item: (-(item[1][1] / item[1][0] if item[1][0] else 0), item[0]))
    for index, ((supplier, batch_code), (n_cards, n_claims, n_approved)) in enumerate(ranked):
        rate = n_claims / n_cards if n_cards else None
        stands_out = (rate is not None and n_claims >= FLAG_MIN_CLAIMS
                      and rate >= FLAG_RATIO * overall > 0)
        if stands_out:
            flagged.add(index)
        rows.append((supplier or "—", batch_code or "—", n_cards, n_claims, n_approved,
                     round(1000 * rate, 2) if rate is not None else None,
                     str(_("stands out")) if stands_out else ""))
    return ReportTable(
        columns=[Column("supplier", _("Blank supplier")), Column("batch", _("Blank batch")),
                 Column("cards", _("Cards"), True), Column("claims", _("Fault claims"), True),
                 Column("approved", _("Warranty approved"), True),
                 Column("per_1000", _("Claims per 1000 cards"), True),
                 Column("flag", _("Flag"))],
        rows=rows, flagged=flagged,
    )


def batch_claims_charts(table: ReportTable, filters: ReportFilters) -> list[SafeString]:
    top = [row for row in table.rows if row[5] is not None][:CHART_BATCHES]
    return [bar_chart(
        chart_id="batch-claims",
        title=str(_("Fault claims per 1000 cards, by blank batch")),
        description=str(_("Bars: claims per 1000 cards for the batches with the highest "
                          "rate; a batch marked with ! stands out.")),
        categories=[f"{'! ' if row[6] else ''}{row[1]}" for row in top],
        series=[Series(str(_("claims per 1000 cards")), [row[5] for row in top])],
        y_label=str(_("per 1000 cards")), empty_message=str(_("No cards match.")))]


register(Report(
    slug="batch-claims", title=_("Warranty claims per card blank batch"),
    description=_("Fault claims opened in the range per blank batch and supplier, against "
                  "the number of cards made from that batch."),
    help_text=_("A batch is flagged when its claim rate is at least %(ratio)s times the "
                "overall rate of the cards shown and it has at least %(minimum)s claims. "
                "Batches are sorted by claim rate, highest first."),
    help_params={"ratio": FLAG_RATIO, "minimum": FLAG_MIN_CLAIMS},
    table=batch_claims_table, charts=batch_claims_charts,
))
