"""`/api/cards/?q=` counts its matches as the card list page does (`cards.paging`): no
further than one past the cap, and over it the answer says its count stopped there."""

from __future__ import annotations

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.cards.test_api import api_as
from tests.factories import CardFactory, HolderFactory

pytestmark = pytest.mark.django_db

CAP = 4


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr("cards.paging.SEARCH_CAP", CAP)


def _namesakes(unit, how_many: int) -> list[str]:
    return [CardFactory(serving_unit=unit, number=f"ELS-{i}",
                        holder=HolderFactory(first_name=f"Anna{i}", last_name="Dąbrowska")).number
            for i in range(how_many)]


def _listed(user, **params) -> dict:
    response = api_as(user).get(reverse("card-list"), params)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_search_under_the_cap_is_counted_exactly(deans_office, unit, small_cap):
    numbers = _namesakes(unit, CAP)
    answer = _listed(deans_office, q="dabrowska")
    assert (answer["count"], answer["count_capped"]) == (CAP, False)
    assert sorted(row["number"] for row in answer["results"]) == sorted(numbers)


def test_a_search_over_the_cap_says_its_count_stopped_there(deans_office, unit, small_cap):
    _namesakes(unit, CAP + 2)
    with CaptureQueriesContext(connection) as queries:
        first = _listed(deans_office, q="dabrowska", limit=3)
    assert (first["count"], first["count_capped"]) == (CAP, True)
    assert len(first["results"]) == 3 and "offset=3" in first["next"]
    counted = next(q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"])
    assert f"LIMIT {CAP + 1}" in counted  # the count reads no further than one past the cap
    # the pages run through the first CAP matches, as the card list's do
    last = _listed(deans_office, q="dabrowska", limit=3, offset=3)
    assert len(last["results"]) == CAP - 3 and last["next"] is None
    assert _listed(deans_office, q="dabrowska", offset=CAP)["results"] == []
    seen = {row["number"] for row in first["results"] + last["results"]}
    assert len(seen) == CAP


def test_the_list_without_a_search_is_counted_exactly(deans_office, unit, small_cap):
    _namesakes(unit, CAP + 2)
    answer = _listed(deans_office, state="active")
    assert (answer["count"], answer["count_capped"], len(answer["results"])) == (
        CAP + 2, False, CAP + 2)
    blank = _listed(deans_office, q="  ")
    assert (blank["count"], blank["count_capped"]) == (CAP + 2, False)
