"""The daily rollup of card history behind the monthly card reports."""

from __future__ import annotations

import datetime as dt

import pytest

from django.core.cache import cache

from reports.models import CardEventDay
from reports.rollups import (
    STALE_AFTER,
    card_event_days_as_of,
    card_event_days_refresh,
    card_event_days_refresh_recent,
)
from tests.factories import CardFactory
from tests.reports.factories import CardEventFactory, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def _counts():
    return sorted(CardEventDay.objects.values_list("day", "action", "kind", "detail", "events"))


def test_history_is_counted_per_local_day_unit_kind_action_and_detail(unit):
    card = CardFactory(serving_unit=unit)
    CardEventFactory(card=card, at=at(2026, 1, 31, 23))  # 22:00 UTC, still 31 January here
    CardEventFactory(card=CardFactory(serving_unit=unit), at=at(2026, 1, 31, 9))
    CardEventFactory(card=card, action="replace", at=at(2026, 2, 1),
                     details={"replacement_reason": "warranty"})
    CardEventFactory(card=card, action="issue", at=at(2026, 2, 1))  # not counted

    card_event_days_refresh(now=at(2026, 2, 2))

    assert _counts() == [(dt.date(2026, 1, 31), "extend", "ELS", "", 2),
                         (dt.date(2026, 2, 1), "replace", "ELS", "warranty", 1)]
    assert card_event_days_as_of() == at(2026, 2, 2)


def test_recent_refresh_recounts_two_days_and_the_full_one_everything(unit):
    card = CardFactory(serving_unit=unit)
    CardEventFactory(card=card, at=at(2026, 3, 10))
    card_event_days_refresh(now=at(2026, 3, 10, 13))
    CardEventFactory(card=card, at=at(2026, 3, 10, 14))
    CardEventFactory(card=card, at=at(2026, 1, 5))  # imported with a past date

    card_event_days_refresh_recent(now=at(2026, 3, 10, 15))
    assert _counts() == [(dt.date(2026, 3, 10), "extend", "ELS", "", 2)]

    card_event_days_refresh()
    assert _counts() == [(dt.date(2026, 1, 5), "extend", "ELS", "", 1),
                         (dt.date(2026, 3, 10), "extend", "ELS", "", 2)]


def test_a_report_page_asks_once_for_a_recount_when_the_rollup_is_stale(
        client, ssos, unit, django_capture_on_commit_callbacks):
    CardEventFactory(card=CardFactory(serving_unit=unit), at=at(2026, 2))
    client.force_login(ssos)
    query = {"date_from": "2026-01-01", "date_to": "2026-06-30"}

    with django_capture_on_commit_callbacks(execute=True) as first:
        response = client.get("/reports/extensions/", query)
    assert response.context["counting"] and response.context["result"].table.rows == []
    assert len(first) == 1  # the recount ran (eagerly here) after the request

    with django_capture_on_commit_callbacks(execute=True) as second:
        response = client.get("/reports/extensions/", query)
    assert len(second) == 0
    assert response.context["result"].table.rows == [("2026-02", "ELS", 1)]
    assert response.context["as_of"] is not None and not response.context["counting"]


def test_a_fresh_rollup_is_not_recounted(client, ssos, django_capture_on_commit_callbacks):
    card_event_days_refresh()
    client.force_login(ssos)

    with django_capture_on_commit_callbacks() as callbacks:
        client.get("/reports/invalidations/")

    assert callbacks == []


def test_an_old_rollup_is_recounted(client, ssos, django_capture_on_commit_callbacks):
    from django.utils import timezone

    card_event_days_refresh(now=timezone.now() - STALE_AFTER - dt.timedelta(minutes=1))
    client.force_login(ssos)

    with django_capture_on_commit_callbacks() as callbacks:
        client.get("/reports/replacements/")

    assert len(callbacks) == 1
