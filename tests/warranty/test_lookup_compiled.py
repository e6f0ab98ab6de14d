"""The status lookup's query, compiled once (`cards.compiled_queries`), answers as the ORM
reads the case: what its history shows, a move on the next lookup, each holder their own
case and no other, a case without history with an empty timeline."""

from __future__ import annotations

import pytest

from cards import compiled_queries
from tests.factories import CardFactory, HolderFactory
from tests.warranty.helpers import act, open_case
from warranty import lookup
from warranty.models import Case, CaseEvent
from warranty.selectors import holder_status_entries
from warranty.services import case_assign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    compiled_queries.forget()


def _lookup(case: Case, holder_number: str | None = None):
    return lookup.case_status_lookup(number=case.number,
                                     album_number=holder_number or case.holder.album_number,
                                     client_ip="10.2.2.2")


def _as_the_orm_reads_it(case: Case) -> tuple[str, list]:
    case = Case.objects.get(pk=case.pk)
    return str(case.get_state_display()), holder_status_entries(case.events.all())


def test_the_lookup_shows_what_the_case_history_shows(card, deans_office, ssos):
    case = open_case(card, "fault", deans_office)
    case_assign(case_id=case.pk, actor=deans_office, source="web", assignee_id=ssos.pk)
    act(case, "receive_card", ssos)

    result = _lookup(case)

    assert (result.status, result.timeline) == _as_the_orm_reads_it(case)
    assert len(result.timeline) == 2  # the assignment is no change of status
    assert compiled_queries.is_compiled("status lookup")  # compiled once, not each time


def test_a_move_shows_on_the_next_lookup(card, deans_office, ssos):
    case = open_case(card, "fault", deans_office)
    before = _lookup(case)
    act(case, "receive_card", ssos)

    after = _lookup(case)

    assert after.status != before.status
    assert (after.status, after.timeline) == _as_the_orm_reads_it(case)


def test_each_holder_gets_their_own_case_and_no_other(unit, deans_office):
    first = open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    second = open_case(CardFactory(serving_unit=unit, holder=HolderFactory(album_number="654321")),
                       "lost", deans_office)

    assert _lookup(first).number == first.number
    assert _lookup(second).number == second.number
    assert _lookup(first, holder_number="654321") is None
    assert _lookup(second, holder_number=first.holder.album_number) is None


def test_a_case_without_history_is_found_with_an_empty_timeline(card, deans_office):
    case = open_case(card, "fault", deans_office)
    CaseEvent.objects.filter(case=case)._raw_delete(CaseEvent.objects.db)

    result = _lookup(case)

    assert result.number == case.number and result.timeline == []

