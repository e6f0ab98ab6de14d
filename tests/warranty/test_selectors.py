"""Queues and lists: who sees which cases."""

from __future__ import annotations

import pytest

from tests.factories import CardFactory
from tests.warranty.helpers import act, open_case
from warranty.selectors import (
    case_detail_for_user,
    case_list_for_user,
    case_queue,
    case_queue_counts,
    holder_cases_for_user,
)

pytestmark = pytest.mark.django_db


def _counts(user) -> dict[str, int]:
    return {row["queue"].name: row["count"] for row in case_queue_counts(user)}


def test_dean_office_queues_hold_only_its_units_cases(unit, other_unit, deans_office,
                                                      other_deans_office, ssos):
    mine = open_case(CardFactory(serving_unit=unit), "damage", deans_office)
    open_case(CardFactory(serving_unit=other_unit), "damage", other_deans_office)
    counts = _counts(deans_office)
    assert counts["unit_open"] == 1 and counts["unit_payment_due"] == 1
    assert "to_assess" not in counts and "escalations" not in counts
    assert list(case_queue(deans_office, "unit_open")) == [mine]
    assert _counts(ssos)["to_assess"] == 0


def test_ssos_queues_follow_the_fault_flow(card, deans_office, ssos):
    case = open_case(card, "fault", deans_office)
    assert _counts(ssos)["awaiting_card"] == 1
    act(case, "receive_card", ssos)
    counts = _counts(ssos)
    assert counts["awaiting_card"] == 0 and counts["to_assess"] == 1


def test_holder_sees_own_cases_read_only(card, deans_office, holder_user, unit):
    own = open_case(card, "lost", deans_office)
    open_case(CardFactory(serving_unit=unit), "lost", deans_office)  # someone else's
    assert list(holder_cases_for_user(holder_user)) == [own]
    assert list(case_list_for_user(holder_user)) == [own]
    assert case_queue_counts(holder_user) == []
    detail = case_detail_for_user(holder_user, own.pk)
    assert detail.steps == [] and all(entry.actor == "" for entry in detail.timeline)
    assert "SSOS" not in detail.timeline[0].text and detail.timeline[0].text


def test_filters(unit, deans_office):
    open_case(CardFactory(serving_unit=unit), "damage", deans_office)
    lost = open_case(CardFactory(serving_unit=unit), "lost", deans_office)
    assert list(case_queue(deans_office, "", kind="lost")) == [lost]
    assert list(case_queue(deans_office, "", query=lost.number)) == [lost]
    assert list(case_queue(deans_office, "", query=lost.holder.album_number)) == [lost]
    assert list(case_queue(deans_office, "no_such_queue")) == []
