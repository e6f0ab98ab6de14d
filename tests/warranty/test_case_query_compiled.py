"""The case page's main query compiled once per user (cards.compiled_queries) reads what
the ORM reads: the same case with the same joined rows, for whoever may see it, and
nothing for whoever may not."""

from __future__ import annotations

import pytest

from cards import compiled_queries
from tests.factories import CardFactory, UserFactory
from tests.warranty.helpers import act, open_case
from warranty import policy
from warranty.selectors import CASE_JOINS, visible_cases

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict | None:
    if obj is None:
        return None
    return {name: value for name, value in vars(obj).items() if not name.startswith("_")}


def _read(user, pk):
    cases = visible_cases(user).select_related(*CASE_JOINS)
    found = compiled_queries.fetch(("test", *policy.visible_cases_key(user)),
                                   lambda pk: cases.filter(pk=pk), pk)
    if not found:
        raise cases.model.DoesNotExist
    return found[0]


def _as_the_orm_reads(user, pk):
    return visible_cases(user).select_related(*CASE_JOINS).get(pk=pk)


def test_the_case_and_its_joined_rows_are_the_orms(unit, deans_office, ssos, admin_user,
                                                     usos_office):
    first = open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    act(first, "receive_card", ssos)
    second = open_case(CardFactory(serving_unit=unit), "lost", deans_office)  # a payment
    for user in (deans_office, ssos, admin_user, usos_office):
        for case in (first, second, first):  # compiled on the first read, reused after
            read, expected = _read(user, case.pk), _as_the_orm_reads(user, case.pk)
            assert _fields(read) == _fields(expected)
            for relation in CASE_JOINS:
                assert _fields(getattr(read, relation, None)) == _fields(
                    getattr(expected, relation, None)), relation
        assert compiled_queries.is_compiled(("test", *policy.visible_cases_key(user))), user


def test_whoever_may_not_see_the_case_reads_nothing(unit, deans_office, other_deans_office,
                                                    outsider):
    case = open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    _read(deans_office, case.pk)
    for user in (other_deans_office, outsider):  # another unit; no units, no holder record
        with pytest.raises(type(case).DoesNotExist):
            _read(user, case.pk)
        with pytest.raises(type(case).DoesNotExist):
            _read(user, case.pk)


def test_a_holder_reads_their_own_case_only(unit, deans_office):
    mine = open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    student = UserFactory(username="student-c")
    mine.holder.user = student
    mine.holder.save()
    other = open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    assert _read(student, mine.pk).pk == mine.pk
    with pytest.raises(type(mine).DoesNotExist):
        _read(student, other.pk)
