"""Each case report's numbers on a small hand-built data set, worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from django.utils.translation import gettext

from reports.case_reports import (
    approval_rate_table,
    backlog_table,
    batch_claims_table,
    case_flow_table,
    extension_errors_table,
    fees_table,
    resolution_time_table,
)
from reports.filters import ReportFilters
from tests.factories import CardFactory
from tests.reports.factories import AssessmentFactory, CaseFactory, PaymentFactory, at
from warranty.models import Assessment, CaseKind, CaseState, ExtensionError, PaymentStatus

pytestmark = pytest.mark.django_db

H1_2026 = ReportFilters(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 6, 30))


class _KindLabels:
    """Kind labels in the language active when the test runs (not at import)."""

    def __getitem__(self, kind: CaseKind) -> str:
        return str(kind.label)


K = _KindLabels()


def _case(opened, closed=None, state=None, **fields):
    return CaseFactory(created_at=opened, state_changed_at=closed or opened,
                       state=state or (CaseState.HANDED_OVER if closed else
                                       CaseState.AWAITING_CARD), **fields)


def test_cases_opened_and_closed_per_month_by_kind():
    _case(at(2026, 1, 10), at(2026, 2, 5))
    _case(at(2026, 1, 20))
    _case(at(2026, 3, 3), at(2026, 3, 10), state=CaseState.CANCELLED, kind=CaseKind.LOST)
    _case(at(2025, 12, 1), at(2026, 1, 4), state=CaseState.RESOLVED, kind=CaseKind.DAMAGE)
    _case(at(2026, 7, 1))  # after the range

    assert case_flow_table(H1_2026).rows == [
        ("2026-01", K[CaseKind.DAMAGE], 0, 1),
        ("2026-01", K[CaseKind.FAULT], 2, 0),
        ("2026-02", K[CaseKind.FAULT], 0, 1),
        ("2026-03", K[CaseKind.LOST], 1, 1),
    ]


def test_backlog_by_state_and_age():
    now = at(2026, 6, 30)
    for days, state in [(3, CaseState.AWAITING_CARD), (7, CaseState.AWAITING_CARD),
                        (10, CaseState.AWAITING_CARD), (40, CaseState.IN_ASSESSMENT),
                        (100, CaseState.IN_ASSESSMENT)]:
        _case(now - dt.timedelta(days=days), state=state)
    _case(now - dt.timedelta(days=200), now - dt.timedelta(days=100))  # closed

    rows = backlog_table(H1_2026, now=now).rows

    assert rows == [
        (str(CaseState.AWAITING_CARD.label), 1, 2, 0, 0, 3),
        (str(CaseState.IN_ASSESSMENT.label), 0, 0, 1, 1, 2),
    ]


def test_median_and_90th_percentile_time_to_resolution():
    start = at(2026, 2, 1)
    for days in (1, 2, 3, 10):
        _case(start, start + dt.timedelta(days=days))
    _case(start, start + dt.timedelta(days=50), state=CaseState.CANCELLED)  # not a resolution
    _case(start, start + dt.timedelta(days=4), kind=CaseKind.LOST, state=CaseState.RESOLVED)

    # fault: sorted 1, 2, 3, 10 → median (2+3)/2 = 2.5; p90 at 0.9·3 = 2.7 → 3 + 0.7·7 = 7.9
    assert resolution_time_table(H1_2026).rows == [
        (K[CaseKind.FAULT], 4, 2.5, 7.9),
        (K[CaseKind.LOST], 1, 4.0, 4.0),
    ]


def test_resolution_time_of_a_single_case_and_of_none():
    start = at(2026, 2, 1)
    _case(start, start + dt.timedelta(hours=36))

    assert resolution_time_table(H1_2026).rows == [(K[CaseKind.FAULT], 1, 1.5, 1.5)]
    later = ReportFilters(date_from=dt.date(2027, 1, 1), date_to=dt.date(2027, 2, 1))
    assert resolution_time_table(later).rows == []


def test_warranty_approval_rate_per_month():
    for _ in range(3):
        AssessmentFactory(at=at(2026, 2))
    AssessmentFactory(at=at(2026, 2, 20), outcome=Assessment.Outcome.DUPLICATE)
    AssessmentFactory(at=at(2026, 4), outcome=Assessment.Outcome.DUPLICATE)
    AssessmentFactory(at=at(2025, 4))  # before the range

    assert approval_rate_table(H1_2026).rows == [
        ("2026-02", 4, 3, 1, 75.0),
        ("2026-04", 1, 0, 1, 0.0),
    ]


def test_duplicates_and_fee_revenue_per_month():
    PaymentFactory(created_at=at(2026, 2, 1))
    PaymentFactory(created_at=at(2026, 2, 10), status=PaymentStatus.PAID,
                   paid_on=dt.date(2026, 3, 3))
    PaymentFactory(created_at=at(2026, 3, 5), status=PaymentStatus.PAID,
                   paid_on=dt.date(2026, 3, 20), amount=Decimal("40.00"))
    PaymentFactory(created_at=at(2026, 3, 6), status=PaymentStatus.REFUNDED,
                   paid_on=dt.date(2026, 3, 7))
    PaymentFactory(created_at=at(2026, 4, 1), status=PaymentStatus.WAIVED)

    assert fees_table(H1_2026).rows == [
        ("2026-02", 2, 0, 0),
        ("2026-03", 2, 2, Decimal("73.00")),
        ("2026-04", 1, 0, 0),
    ]


def test_extension_errors_by_type_and_unit(unit, other_unit):
    failure = {"kind": CaseKind.EXTENSION_FAILURE}
    _case(at(2026, 1), state=CaseState.TROUBLESHOOTING, card=CardFactory(serving_unit=unit),
          extension_error=ExtensionError.NO_CERTIFICATE, **failure)
    _case(at(2026, 2), at(2026, 2, 20), state=CaseState.RESOLVED,
          card=CardFactory(serving_unit=unit), extension_error=ExtensionError.NO_CERTIFICATE,
          **failure)
    _case(at(2026, 3), state=CaseState.DATA_FIX_NEEDED,
          card=CardFactory(serving_unit=other_unit),
          extension_error=ExtensionError.NOT_SETTLED, **failure)
    _case(at(2025, 3), state=CaseState.TROUBLESHOOTING, card=CardFactory(serving_unit=unit),
          extension_error=ExtensionError.NOT_SETTLED, **failure)  # before the range

    assert extension_errors_table(H1_2026).rows == [
        ("Nie znaleziono certyfikatu do podpisu", unit.code, 2, 1),
        ("<Imię Nazwisko> nie jest rozliczony", other_unit.code, 1, 1),
    ]
    scoped = ReportFilters(date_from=H1_2026.date_from, date_to=H1_2026.date_to,
                           unit_ids=frozenset({other_unit.pk}))
    assert [row[1] for row in extension_errors_table(scoped).rows] == [other_unit.code]


def test_claims_per_blank_batch_flag_the_batch_that_stands_out():
    def batch(code, cards, claims):
        made = CardFactory.create_batch(cards, blank_batch=code, blank_supplier="S")
        for card in made[:claims]:
            _case(at(2026, 2), card=card)

    batch("B1", 20, 6)
    batch("B2", 80, 2)
    batch("B3", 5, 2)
    claim = CaseFactory(card=CardFactory(blank_batch="B1", blank_supplier="S"),
                        created_at=at(2026, 2), state=CaseState.WARRANTY_APPROVED)
    AssessmentFactory(case=claim)

    table = batch_claims_table(H1_2026)

    # overall 11 claims / 106 cards ≈ 0.104; B1 7/21 ≈ 0.333 ≥ 2× and 7 ≥ 5 claims → flagged;
    # B3 2/5 = 0.4 is higher but has only 2 claims; B2 2/80 is low.
    assert table.rows == [
        ("S", "B3", 5, 2, 0, 400.0, ""),
        ("S", "B1", 21, 7, 1, 333.33, gettext("stands out")),
        ("S", "B2", 80, 2, 0, 25.0, ""),
    ]
    assert table.flagged == {1}


@pytest.mark.postgres
def test_percentile_cont_agrees_with_the_portable_window_query():
    from django.db.models import F

    from reports.stats import DurationSeconds, _window_percentiles, duration_percentiles
    from warranty.models import Case

    start = at(2026, 2, 1)
    for hours in (5, 7, 30, 31, 200, 1000, 1001):
        _case(start, start + dt.timedelta(hours=hours))
    _case(start, start + dt.timedelta(hours=3), kind=CaseKind.LOST, state=CaseState.RESOLVED)
    cases = Case.objects.all()
    fractions = (0.5, 0.9, 0.25)

    native = duration_percentiles(cases, group="kind", start="created_at",
                                  end="state_changed_at", fractions=fractions)
    portable = _window_percentiles(
        cases.annotate(g=F("kind"), v=DurationSeconds(F("created_at"), F("state_changed_at")))
        .values("g", "v"), fractions)

    assert [row[:2] for row in native] == [row[:2] for row in portable] == [
        ("fault", 7), ("lost", 1)]
    for mine, theirs in zip(native, portable, strict=True):
        assert mine[2:] == pytest.approx(theirs[2:])
    assert native[0][2] == 31 * 3600  # the median of seven values is the fourth
