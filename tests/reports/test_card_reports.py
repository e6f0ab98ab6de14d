"""Each card-based report's numbers on a small hand-built data set."""

from __future__ import annotations

import datetime as dt

import pytest

from cards.models import CardKind, CardState, InvalidationGround, ReplacementReason
from reader_bridge.models import ReadOutcome
from reports.card_reports import (
    cards_by_state_table,
    extensions_table,
    invalidations_table,
    replacements_table,
)
from reports.filters import ReportFilters
from reports.reader_reports import reads_per_device_table
from reports.rollups import card_event_days_refresh
from tests.factories import CardFactory
from tests.reports.factories import CardEventFactory, CardReadFactory, ReaderDeviceFactory, at

pytestmark = pytest.mark.django_db

FIRST_HALF_2026 = ReportFilters(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 6, 30))


def _only(filters: ReportFilters, **changes) -> ReportFilters:
    return ReportFilters(**{**filters.__dict__, **changes})


def test_cards_by_state_counts_per_unit_kind_and_state(unit, other_unit):
    CardFactory.create_batch(2, serving_unit=unit)
    CardFactory(serving_unit=unit, state=CardState.LOST)
    CardFactory(serving_unit=unit, kind=CardKind.ELN)
    CardFactory(serving_unit=other_unit, state=CardState.LOST)

    rows = cards_by_state_table(FIRST_HALF_2026).rows

    active, lost = str(CardState.ACTIVE.label), str(CardState.LOST.label)
    assert rows == [
        (unit.name, "ELN", active, 1),
        (unit.name, "ELS", active, 2),
        (unit.name, "ELS", lost, 1),
        (other_unit.name, "ELS", lost, 1),
    ]


def test_cards_by_state_respects_unit_and_kind_filters(unit, other_unit):
    CardFactory(serving_unit=unit)
    CardFactory(serving_unit=unit, kind=CardKind.ELD)
    CardFactory(serving_unit=other_unit)

    rows = cards_by_state_table(_only(FIRST_HALF_2026, unit_ids=frozenset({unit.pk}),
                                      kind=CardKind.ELS)).rows

    assert [(row[0], row[1], row[3]) for row in rows] == [(unit.name, "ELS", 1)]


def test_extensions_per_month_by_kind_within_the_range(unit):
    els, eld = CardFactory(serving_unit=unit), CardFactory(serving_unit=unit, kind=CardKind.ELD)
    CardEventFactory(card=els, at=at(2026, 1, 5))
    CardEventFactory(card=els, at=at(2026, 1, 31, 20))
    CardEventFactory(card=eld, at=at(2026, 3, 1, 0))
    CardEventFactory(card=els, at=at(2025, 12, 31, 23))  # before the range
    CardEventFactory(card=els, at=at(2026, 7, 1, 0))  # after the range
    CardEventFactory(card=els, action="confirm_hologram", at=at(2026, 2, 1))

    card_event_days_refresh()
    assert extensions_table(FIRST_HALF_2026).rows == [
        ("2026-01", "ELS", 2), ("2026-03", "ELD", 1),
    ]


def test_replacements_per_month_by_reason(unit):
    card = CardFactory(serving_unit=unit)
    CardEventFactory(card=card, action="replace", at=at(2026, 2),
                     details={"replacement_reason": "warranty"})
    CardEventFactory(card=CardFactory(serving_unit=unit), action="replace", at=at(2026, 2, 20),
                     details={"replacement_reason": "duplicate"})
    CardEventFactory(card=CardFactory(serving_unit=unit), action="replace", at=at(2026, 2, 21),
                     details={"replacement_reason": "duplicate"})

    card_event_days_refresh()
    assert replacements_table(FIRST_HALF_2026).rows == [
        ("2026-02", str(ReplacementReason.DUPLICATE.label), 2),
        ("2026-02", str(ReplacementReason.WARRANTY.label), 1),
    ]


def test_invalidations_count_decisions_by_event_ground_and_cuts_by_card_ground(unit):
    cut = CardFactory(serving_unit=unit, state=CardState.INVALIDATED,
                      invalidation_ground=InvalidationGround.REMOVED_FROM_LIST)
    CardEventFactory(card=cut, action="decide_invalidation", at=at(2026, 1),
                     details={"ground": "removed_from_list"})
    CardEventFactory(card=cut, action="confirm_corner_cut", at=at(2026, 2))
    withdrawn = CardFactory(serving_unit=unit)  # decided, then withdrawn: ground cleared
    CardEventFactory(card=withdrawn, action="decide_invalidation", at=at(2026, 3),
                     details={"ground": "completed_masters"})

    card_event_days_refresh()
    rows = invalidations_table(FIRST_HALF_2026).rows

    assert [(kind, decided, cuts) for _ground, kind, decided, cuts in rows] == [
        ("ELS", 1, 0), ("ELS", 1, 1)]
    assert {row[0] for row in rows} == {
        str(InvalidationGround.COMPLETED_MASTERS.label),
        str(InvalidationGround.REMOVED_FROM_LIST.label)}


def test_reads_and_failed_reads_per_device(unit, other_unit):
    first = ReaderDeviceFactory(name="A", unit=unit)
    second = ReaderDeviceFactory(name="B", unit=other_unit)
    CardReadFactory.create_batch(3, device=first, received_at=at(2026, 2))
    CardReadFactory(device=first, received_at=at(2026, 2), outcome=ReadOutcome.NO_ATR)
    CardReadFactory(device=second, received_at=at(2026, 4), outcome=ReadOutcome.TIMEOUT)
    CardReadFactory(device=second, received_at=at(2025, 4))  # outside the range

    assert reads_per_device_table(FIRST_HALF_2026).rows == [
        ("A", unit.code, 4, 1, 25.0), ("B", other_unit.code, 1, 1, 100.0)]
    scoped = _only(FIRST_HALF_2026, unit_ids=frozenset({unit.pk}))
    assert reads_per_device_table(scoped).rows == [("A", unit.code, 4, 1, 25.0)]
