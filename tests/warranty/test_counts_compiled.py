"""Queries compiled once (`cards.compiled_queries`) answer as fresh ones: a move shows on the
next view, time passing makes a case overdue, a new member of staff can be assigned at
once, and a query whose parameters are not all relative to now is compiled afresh each
time."""

from __future__ import annotations

import datetime as dt

import pytest

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cards import compiled_queries
from tests.factories import CardFactory, HolderFactory, UnitFactory, UserFactory
from tests.warranty.helpers import act, open_case
from warranty.models import Case
from warranty.page_selectors import assignee_choices, queue_counts, queue_page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _tile(client, label: str) -> int:
    response = client.get(reverse("home"))
    return next(tile.count for panel in response.context["dashboard"].panels
                for tile in panel.tiles if str(tile.label) == label)


def test_a_dashboard_count_follows_a_move_on_the_next_view(client, ssos, deans_office, unit):
    case = open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    client.force_login(ssos)
    assert (_tile(client, "Waiting for the card"), _tile(client, "To assess")) == (1, 0)
    act(case, "receive_card", ssos)
    assert (_tile(client, "Waiting for the card"), _tile(client, "To assess")) == (0, 1)


def test_a_case_turns_overdue_as_time_passes(deans_office, unit):
    compiled_queries.forget()
    # waiting for the card: overdue after the 7 days of its reminder
    case = open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(state_changed_at=now - dt.timedelta(days=6))
    assert queue_counts(deans_office, now)["overdue"] == 0
    assert queue_counts(deans_office, now + dt.timedelta(days=2))["overdue"] == 1
    assert queue_counts(deans_office, now - dt.timedelta(days=30))["overdue"] == 0
    if connection.vendor == "postgresql":  # SQLite's parameters are text: compiled each time
        compiled = [key for key in compiled_queries._compiled
                    if key[:2] == ("open_and_overdue", deans_office.pk)]
        assert len(compiled) == 1 and compiled_queries.is_compiled(compiled[0])  # shifted since


def test_a_query_with_a_fixed_date_is_compiled_each_time(deans_office, unit):
    case = open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    fixed = case.created_at + dt.timedelta(hours=1)

    def opened_before(at: dt.datetime):  # `fixed` does not move with `at`
        return Case.objects.filter(created_at__lt=fixed, state_changed_at__lt=at).values("pk")

    key = ("fixed date", case.pk)
    now = timezone.now()
    assert compiled_queries.fetch(key, opened_before, now) == [{"pk": case.pk}]
    assert key in compiled_queries._compiled and not compiled_queries.is_compiled(key)
    assert compiled_queries.fetch(key, opened_before, now - dt.timedelta(days=1)) == []


def test_the_people_to_assign_follow_a_new_member_of_staff_at_once(deans_office, unit):
    case = open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    before = assignee_choices(case)
    assert (deans_office.pk, deans_office.get_full_name() or deans_office.username) in before
    newcomer = UserFactory(first_name="Ewa", last_name="Żak", roles=["ssos"])
    assert (newcomer.pk, "Ewa Żak") in assignee_choices(case)
    newcomer.is_active = False
    newcomer.save()
    assert assignee_choices(case) == before


def test_the_units_to_filter_by_follow_a_new_unit_at_once(client, ssos):
    client.force_login(ssos)
    assert "Wydział Nowy" not in client.get(reverse("warranty:list")).content.decode()
    UnitFactory(name="Wydział Nowy")
    assert "Wydział Nowy" in client.get(reverse("warranty:list")).content.decode()


def test_a_queue_page_follows_a_move_and_the_time_at_once(ssos, deans_office, unit):
    case = open_case(CardFactory(serving_unit=unit), "fault", deans_office)

    def listed(user, at=None, **filters) -> list[int]:
        return [row.pk for row in queue_page(user, now=at, **filters).page.object_list]

    assert (listed(ssos, queue="awaiting_card"), listed(ssos, queue="to_assess")) == (
        [case.pk], [])
    act(case, "receive_card", ssos)
    assert (listed(ssos, queue="awaiting_card"), listed(ssos, queue="to_assess")) == (
        [], [case.pk])
    now = timezone.now()
    assert listed(deans_office, now, overdue=True) == []
    assert listed(deans_office, now + dt.timedelta(days=30), overdue=True) == [case.pk]
    assert listed(deans_office, now, overdue=True) == []


def test_a_queue_search_follows_its_words_a_move_and_the_time_at_once(
        ssos, deans_office, unit, monkeypatch):
    holders = [HolderFactory(first_name=first, last_name=last) for first, last in (
        ("Anna", "Dąbrowska"), ("Joanna", "Dąbrowska"), ("Anna", "Kowalska"))]
    cases = [open_case(CardFactory(serving_unit=unit, holder=holder), "fault", deans_office)
             for holder in holders]

    def found(user, query, at=None, **filters) -> list[int]:
        return [row.pk for row in queue_page(user, query=query, now=at, **filters)
                .page.object_list]

    assert found(ssos, "dabrowska") == [cases[0].pk, cases[1].pk]
    assert found(ssos, "an dabrowska") == [cases[0].pk]  # a short word: at a word's start
    assert found(ssos, "an kowalska") == [cases[2].pk]
    assert found(ssos, "dabrowska", queue="to_assess") == []
    act(cases[1], "receive_card", ssos)
    assert found(ssos, "dabrowska", queue="to_assess") == [cases[1].pk]
    assert found(ssos, "dabrowska", queue="no_such_queue") == []
    now = timezone.now()
    assert found(deans_office, "kowalska", now, overdue=True) == []
    assert found(deans_office, "kowalska", now + dt.timedelta(days=30), overdue=True) == [
        cases[2].pk]
    for module in ("cards.paging", "warranty.page_selectors"):
        monkeypatch.setattr(f"{module}.SEARCH_CAP", 1)
    compiled_queries.forget()
    page = queue_page(ssos, query="dabrowska").page
    assert (page.paginator.count, page.paginator.over_cap) == (1, True)


def test_the_filter_form_follows_the_language_the_units_and_what_was_chosen(client, ssos):
    client.force_login(ssos)
    UnitFactory(name="Wydział Stary")

    def form(language, **chosen) -> str:
        html = client.get(reverse("warranty:list"), chosen,
                          HTTP_ACCEPT_LANGUAGE=language).content.decode()
        return html.split('role="search"')[1].split("</form>")[0]

    assert "Szukaj" in form("pl") and "Search" in form("en")
    assert 'value="nowak"' in form("pl", q="nowak") and 'value="kot"' in form("pl", q="kot")
    assert '<option value="fault" selected>' in form("en", kind="fault")
    assert "selected" not in form("en", kind="lost").split('name="kind"')[1].split(
        "</select>")[0].replace('value="lost" selected', "")
    assert "Wydział Nowy" not in form("pl")
    UnitFactory(name="Wydział Nowy")
    assert "Wydział Nowy" in form("pl")
