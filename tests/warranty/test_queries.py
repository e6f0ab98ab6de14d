"""Queues, case pages, the API and the status lookup run a fixed number of queries."""

from __future__ import annotations

import pytest

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import CardFactory
from tests.warranty.helpers import act, open_case
from warranty.lookup import case_status_lookup
from warranty.selectors import case_detail_for_user, case_queue, case_queue_counts
from warranty.services import case_comment_add, payment_mark_paid

pytestmark = pytest.mark.django_db


def _fresh(user: User) -> User:
    """The user as a new request sees it (role and unit caches empty)."""
    return User.objects.get(pk=user.pk)


def _cases(unit, deans_office, ssos, n: int) -> None:
    for i in range(n):
        kind = ("fault", "damage", "lost")[i % 3]
        case = open_case(CardFactory(serving_unit=unit), kind, deans_office)
        if kind == "fault":
            act(case, "receive_card", ssos)
        case_comment_add(case_id=case.pk, actor=deans_office, body="uwaga")


def _count(func) -> int:
    with CaptureQueriesContext(connection) as queries:
        func()
    return len(queries)


@pytest.mark.parametrize("who", ["deans_office", "ssos", "usos_office"])
def test_queue_counts_and_lists_do_not_grow_with_cases(unit, deans_office, ssos, usos_office,
                                                       who, request):
    user = request.getfixturevalue(who)

    def page() -> None:
        fresh = _fresh(user)
        case_queue_counts(fresh)
        rows = [(row.card.number, row.holder.full_name, row.unit.name, row.assigned_to)
                for row in case_queue(fresh, "")[:50]]
        assert rows or who == "usos_office"

    _cases(unit, deans_office, ssos, 2)
    few = _count(page)
    _cases(unit, deans_office, ssos, 12)
    assert _count(page) == few <= 5


def test_case_page_queries_are_pinned(unit, deans_office, ssos, django_assert_num_queries):
    _cases(unit, deans_office, ssos, 3)
    case = open_case(CardFactory(serving_unit=unit), "damage", deans_office)
    payment_mark_paid(case_id=case.pk, actor=deans_office, source="web", reference="R",
                      paid_on=timezone.localdate())
    for _ in range(5):
        case_comment_add(case_id=case.pk, actor=ssos, body="x")
    user = _fresh(ssos)
    with django_assert_num_queries(8):  # the case, its people, 4 of its lists, card history
        detail = case_detail_for_user(user, case.pk)
        assert len(detail.timeline) == 8 and detail.steps  # 5 comments, 2 case, 1 card entry


def test_extension_case_page_stays_within_ten(unit, deans_office, django_assert_max_num_queries):
    case = open_case(CardFactory(serving_unit=unit), "extension_failure", deans_office,
                     extension_error="not_settled")
    user = _fresh(deans_office)
    with django_assert_max_num_queries(10):
        detail = case_detail_for_user(user, case.pk)
        assert detail.settlement_hint


def test_api_list_and_detail_do_not_grow(unit, deans_office, ssos):
    api = APIClient()
    api.force_authenticate(_fresh(ssos))
    _cases(unit, deans_office, ssos, 2)
    case_id = open_case(CardFactory(serving_unit=unit), "lost", deans_office).pk
    api.get("/api/cases/")  # the first request also reads the user's roles
    few = _count(lambda: api.get("/api/cases/"))
    detail = _count(lambda: api.get(f"/api/cases/{case_id}/"))
    _cases(unit, deans_office, ssos, 10)
    assert _count(lambda: api.get("/api/cases/")) == few <= 10
    assert _count(lambda: api.get(f"/api/cases/{case_id}/")) == detail <= 10


def test_status_lookup_queries(card, deans_office, ssos, django_assert_num_queries):
    case = act(open_case(card, "fault", deans_office), "receive_card", ssos)
    with django_assert_num_queries(1):  # the case with its history
        result = case_status_lookup(number=case.number, album_number="123456",
                                    client_ip="10.1.1.1")
    assert result.status and len(result.timeline) == 2
