"""`/api/cases/?q=` counts its matches as the queue page does (`cards.paging`): no further
than one past the cap, and over it the answer says its count stopped there."""

from __future__ import annotations

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import CardFactory, HolderFactory
from tests.warranty.helpers import open_case

pytestmark = pytest.mark.django_db

CAP = 3


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr("cards.paging.SEARCH_CAP", CAP)


def _cases_of_namesakes(unit, actor, how_many: int) -> set[str]:
    return {open_case(CardFactory(serving_unit=unit, holder=HolderFactory(
        first_name=f"Anna{i}", last_name="Dąbrowska")), "fault", actor).number
        for i in range(how_many)}


def _listed(user, **params) -> dict:
    api = APIClient()
    api.force_authenticate(user)
    response = api.get("/api/cases/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_search_under_the_cap_is_counted_exactly(deans_office, unit, small_cap):
    numbers = _cases_of_namesakes(unit, deans_office, CAP)
    answer = _listed(deans_office, q="dabrowska")
    assert (answer["count"], answer["count_capped"]) == (CAP, False)
    assert {row["number"] for row in answer["results"]} == numbers


def test_a_search_over_the_cap_says_its_count_stopped_there(deans_office, unit, small_cap):
    numbers = _cases_of_namesakes(unit, deans_office, CAP + 2)
    with CaptureQueriesContext(connection) as queries:
        first = _listed(deans_office, q="dabrowska", limit=2)
    assert (first["count"], first["count_capped"]) == (CAP, True)
    counted = next(q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"])
    assert f"LIMIT {CAP + 1}" in counted  # the count reads no further than one past the cap
    last = _listed(deans_office, q="dabrowska", limit=2, offset=2)
    assert len(last["results"]) == CAP - 2 and last["next"] is None
    seen = {row["number"] for row in first["results"] + last["results"]}
    assert len(seen) == CAP and seen <= numbers


def test_the_list_without_a_search_is_counted_exactly(deans_office, unit, small_cap):
    _cases_of_namesakes(unit, deans_office, CAP + 2)
    answer = _listed(deans_office)
    assert (answer["count"], answer["count_capped"], len(answer["results"])) == (
        CAP + 2, False, CAP + 2)
