"""A query compiled once (`cards.compiled_queries.fetch`) answers what the ORM answers, for
every value it is given afterwards, and a query whose SQL or parameters do not follow its
values is built afresh on every run instead."""

from __future__ import annotations

import datetime as dt

import pytest

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from cards import compiled_queries
from cards.models import Card, Holder, Unit
from tests.factories import CardFactory, HolderFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cold():
    compiled_queries.forget()


def _fields(obj) -> dict:
    return {name: value for name, value in vars(obj).items() if not name.startswith("_")}


def test_instances_with_their_joined_rows_and_annotations_are_the_orms():
    cards = [CardFactory(), CardFactory(), CardFactory()]

    def build(pk):
        return (Card.objects.filter(pk=pk).select_related("holder", "serving_unit")
                .annotate(holder_cards=Count("holder__cards")))

    for card in (*cards, cards[0]):
        (read,) = compiled_queries.fetch("card", build, card.pk)
        (expected,) = build(card.pk)
        assert _fields(read) == _fields(expected)
        assert _fields(read.holder) == _fields(expected.holder)
        assert _fields(read.serving_unit) == _fields(expected.serving_unit)
        assert read.holder_cards == 1
    assert compiled_queries.is_compiled("card")
    assert compiled_queries.fetch("card", build, -5) == []


def test_dicts_tuples_and_flat_values_follow_each_value():
    first, second = UnitFactory(code="WMI"), UnitFactory(code="WF")
    HolderFactory(last_name="Nowak"), HolderFactory(last_name="Żak")
    for unit in (first, second):
        assert compiled_queries.fetch(
            "dict", lambda code: Unit.objects
            .filter(code=code).values("pk", "code"), unit.code) == [
            {"pk": unit.pk, "code": unit.code}]
    for name in ("Nowak", "Żak", "nobody"):
        by_name = Holder.objects.filter(last_name=name)
        assert compiled_queries.fetch(
            "tuples", lambda n: Holder.objects.filter(last_name=n).values_list("pk", "last_name"),
            name) == list(by_name.values_list("pk", "last_name"))
        assert compiled_queries.fetch(
            "flat", lambda n: Holder.objects.filter(last_name=n).values_list("pk", flat=True),
            name) == list(by_name.values_list("pk", flat=True))
    assert all(compiled_queries.is_compiled(key) for key in ("dict", "tuples", "flat"))


def test_several_ids_each_go_where_they_stand():
    cards = [CardFactory() for _ in range(4)]

    def build(*ids):
        return Card.objects.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True)

    key = ("ids", 2)
    assert compiled_queries.fetch(key, build, cards[0].pk, cards[2].pk) == [cards[0].pk,
                                                                         cards[2].pk]
    assert compiled_queries.fetch(key, build, cards[3].pk, cards[1].pk) == [cards[1].pk,
                                                                         cards[3].pk]
    assert compiled_queries.is_compiled(key)


def test_a_time_moves_the_parameters_made_from_it():
    card = CardFactory()
    Card.objects.filter(pk=card.pk).update(created_at=timezone.now() - dt.timedelta(days=10))

    def changed_within_a_week(now):
        return Card.objects.filter(created_at__gt=now - dt.timedelta(days=7)).values_list(
            "pk", flat=True)

    now = timezone.now()
    assert compiled_queries.fetch("week", changed_within_a_week, now) == []
    assert compiled_queries.fetch("week", changed_within_a_week,
                                  now - dt.timedelta(days=5)) == [card.pk]
    # SQLite's parameters are text: built each time there, and still right
    assert compiled_queries.is_compiled("week") is (connection.vendor == "postgresql")


@pytest.mark.parametrize("made_from_the_clock", [
    lambda now: timezone.now() - dt.timedelta(days=7),  # read from the clock, not `now`
    lambda now: now.replace(hour=0, minute=0, second=0, microsecond=0),  # truncated
    lambda now: dt.datetime(2026, 1, 1, tzinfo=dt.UTC),  # fixed
])
def test_a_time_that_does_not_move_with_the_value_is_never_compiled(made_from_the_clock):
    CardFactory()

    def build(now):
        return Card.objects.filter(created_at__lt=now + dt.timedelta(days=1),
                                   created_at__gt=made_from_the_clock(now)).values_list("pk")

    now = timezone.now()
    assert compiled_queries.fetch("clock", build, now) == list(build(now))
    assert not compiled_queries.is_compiled("clock")


def test_a_value_that_changes_the_sql_is_never_compiled():
    cards = [CardFactory(), CardFactory()]

    def build(pk):  # the value decides which column is tested
        column = "pk" if pk % 2 else "holder_id"
        return Card.objects.filter(**{column: pk}).values_list("pk", flat=True)

    assert compiled_queries.fetch("shape", build, cards[0].pk) == list(build(cards[0].pk))
    assert not compiled_queries.is_compiled("shape")
    assert compiled_queries.fetch("shape", build, cards[1].pk) == list(build(cards[1].pk))


def test_a_query_that_can_have_no_rows_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert compiled_queries.fetch("empty", lambda: Card.objects.filter(pk__in=[])) == []
    assert not compiled_queries.is_compiled("empty")


def test_constants_written_into_the_sql_keep_their_meaning():
    """Quotes, backslashes, a percent sign and a LIKE pattern among the constants: the same
    rows as the ORM's, and on PostgreSQL only the value is left a parameter."""
    names = ["O'Brien", "100% \\ Nowak", "Ż_k"]
    holders = [HolderFactory(last_name=name) for name in names]
    HolderFactory(last_name="Zak")

    def build(pk):
        return (Holder.objects.filter(last_name__in=names, last_name__contains="%")
                | Holder.objects.filter(last_name__startswith="Ż_", pk__gt=pk)
                | Holder.objects.filter(last_name="O'Brien")).order_by("pk").values_list(
            "last_name", flat=True)

    for pk in (0, holders[2].pk):
        assert compiled_queries.fetch("constants", build, pk) == list(build(pk))
    assert compiled_queries.fetch("constants", build, 0) == names
    assert compiled_queries.is_compiled("constants")
    if connection.vendor == "postgresql":
        assert len(compiled_queries._compiled["constants"].params) == 1


def test_an_id_past_64_bits_finds_nothing_as_the_orm_does(django_assert_num_queries):
    card = CardFactory()

    def build(pk):
        return Card.objects.filter(pk=pk).values_list("number", flat=True)

    assert compiled_queries.fetch("huge id", build, card.pk) == [card.number]
    assert compiled_queries.is_compiled("huge id")
    for huge in (2**63, 10**30, -(2**63) - 1):
        with django_assert_num_queries(0):  # the ORM knows no row can hold it
            assert compiled_queries.fetch("huge id", build, huge) == list(build(huge)) == []
    assert compiled_queries.fetch("huge id", build, card.pk) == [card.number]
