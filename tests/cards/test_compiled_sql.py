"""Rows from a query compiled once for its values (`cards.compiled_sql`) are what the
queryset gives, read fresh each time; a query with a parameter computed from a value is
built afresh each time."""

from __future__ import annotations

import datetime as dt

import pytest

from cards import compiled_sql
from cards.models import Card
from tests.factories import CardFactory

pytestmark = pytest.mark.django_db

COLUMNS = ("pk", "number", "created_at", "valid_until", "holder__last_name", "serving_unit__code")


def by_ids(ids: list[int]):
    return Card.objects.filter(pk__in=ids).order_by("number").values_list(*COLUMNS)


def test_the_rows_are_the_querysets_compiled_once_per_number_of_ids():
    compiled_sql._compiled.clear()
    cards = CardFactory.create_batch(4)
    ids = [card.pk for card in cards]
    for chosen in (ids[:3], ids[1:], [ids[0]], ids[::-1], ids[:3]):
        assert compiled_sql.rows_for("test", by_ids, chosen) == list(by_ids(chosen))
    assert isinstance(compiled_sql.rows_for("test", by_ids, ids[:1])[0][2], dt.datetime)
    assert set(compiled_sql._compiled) == {("test", 1), ("test", 3), ("test", 4)}
    assert all(entry is not None for entry in compiled_sql._compiled.values())
    assert compiled_sql.rows_for("test", by_ids, []) == []  # no query: no rows


def test_a_change_shows_on_the_next_read():
    card = CardFactory(number="ELS-2025-0000001")
    assert compiled_sql.rows_for("fresh", by_ids, [card.pk])[0][1] == "ELS-2025-0000001"
    Card.objects.filter(pk=card.pk).update(number="ELS-2025-0000002")
    assert compiled_sql.rows_for("fresh", by_ids, [card.pk])[0][1] == "ELS-2025-0000002"


def test_a_value_in_two_places_takes_both():
    first, second = CardFactory.create_batch(2)

    def numbers(spellings: list[str]):
        return Card.objects.filter(number__in=spellings).order_by().values_list("pk").union(
            Card.objects.filter(chip_serial__in=spellings).order_by().values_list("pk")
        ).order_by("pk")

    found = compiled_sql.rows_for("two places", numbers, [first.number, second.chip_serial])
    assert found == [(first.pk,), (second.pk,)]
    assert compiled_sql._compiled[("two places", 2)] is not None
    assert compiled_sql.rows_for("two places", numbers, [second.number]) == [(second.pk,)]


def test_a_parameter_computed_from_a_value_is_built_afresh_each_time():
    first, second = CardFactory.create_batch(2)

    def from_the_one_before(ids: list[int]):
        return by_ids(ids).filter(pk__gte=ids[0] - 1)

    ids = sorted([first.pk, second.pk])
    assert compiled_sql.rows_for("computed", from_the_one_before, ids) == list(by_ids(ids))
    assert compiled_sql._compiled[("computed", 2)] is None
    assert compiled_sql.rows_for("computed", from_the_one_before, [ids[1] + 1, ids[1]]) == list(
        by_ids(ids[1:]))
