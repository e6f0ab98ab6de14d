"""A card is named by its number, which starts with its kind already ("ELS-2025-000743"):
never "ELS ELS-2025-000743", on the card list, the card's page, the admin or the
reader desk, in Polish or English."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from django.utils.html import strip_tags

from tests.factories import CardFactory, HolderFactory

pytestmark = pytest.mark.django_db

NUMBER = "ELS-2025-000743"


@pytest.fixture(params=["pl", "en"])
def language(request):
    if request.param == "en":
        request.getfixturevalue("english")
    return request.param


@pytest.fixture
def card(unit):
    holder = HolderFactory(first_name="Anna", last_name="Żak", album_number="123456",
                           employee_number="")
    return CardFactory(kind="ELS", number=NUMBER, holder=holder, serving_unit=unit,
                       valid_until=dt.date(2026, 3, 31))


def _row_cells(page: str, card) -> list[str]:
    row = next(row for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)
               if f'href="/cards/{card.pk}/"' in row)
    return [strip_tags(cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]


@pytest.mark.parametrize("query", ["", "zak", NUMBER])
def test_a_card_list_row_reads_number_holder_album_unit(client, deans_office, card,
                                                        language, query):
    client.force_login(deans_office)
    page = client.get("/cards/", {"q": query}).content.decode()
    assert _row_cells(page, card)[:4] == [NUMBER, "Anna Żak", "123456",
                                          "Wydział Matematyki i Informatyki"]


def test_the_card_s_page_names_it_by_its_number(client, deans_office, card, language):
    client.force_login(deans_office)
    page = client.get(f"/cards/{card.pk}/").content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.startswith(f"{NUMBER} ")
    crumbs = strip_tags(re.search(r'<nav class="crumbs">(.*?)</nav>', page, re.S).group(1))
    assert crumbs.endswith(f"› {NUMBER}")


def test_the_admin_and_the_reader_desk_name_the_card_by_its_number(card):
    assert str(card) == NUMBER
