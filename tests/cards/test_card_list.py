"""The card list as the card office uses it at any size: a capped total for a search that
finds too many cards (with paging that still works), the card of a number typed whole
alone, and a dean's office's list of its units' cards by surname."""

from __future__ import annotations

import pytest

from tests.factories import CardFactory, HolderFactory, UnitFactory, UserFactory
from tests.warranty.helpers import open_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CAP = 4


@pytest.fixture
def small_cap(monkeypatch):
    """The cap and the page small, so that a few cards go over it."""
    monkeypatch.setattr("cards.paging.SEARCH_CAP", CAP)
    monkeypatch.setattr("cards.card_list.PAGE_SIZE", 3)


def _card(unit, first, last, number):
    return CardFactory(serving_unit=unit, number=number,
                       holder=HolderFactory(first_name=first, last_name=last))


def _listed(client, **params):
    response = client.get("/cards/", params)
    assert response.status_code == 200
    return [card.number for card in response.context["page"].object_list], \
        response.content.decode()


def test_a_search_under_the_cap_counts_exactly_and_lists_by_surname(
        client, deans_office, unit, small_cap):
    for first, last, number in [("Ewa", "Żak", "ELN-1"), ("Ada", "Żak", "ELN-2"),
                                ("Jan", "Adamczyk-Żak", "ELN-3")]:
        _card(unit, first, last, number)
    client.force_login(deans_office)
    numbers, page = _listed(client, q="zak")
    assert numbers == ["ELN-3", "ELN-2", "ELN-1"]
    assert "3 cards" in page and "More than" not in page


def test_a_name_found_too_often_says_so_and_pages_through_the_last_registered(
        client, deans_office, unit, small_cap):
    cards = [_card(unit, first, "Dąbrowska", f"ELS-{i}")
             for i, first in enumerate(["Anna", "Ewa", "Zofia", "Maria", "Ola", "Ada"])]
    client.force_login(deans_office)
    first, page = _listed(client, q="dabrowska")
    assert f"More than {CAP} cards found" in page and "registered last" in page
    assert "page 1 of 2" in page and "page=2" in page
    second, page = _listed(client, q="dabrowska", page=2)
    assert "page 2 of 2" in page and "previous" in page
    assert first + second == [card.number for card in reversed(cards)][:CAP]


def test_number_fragments_found_too_often_are_listed_by_surname(
        client, deans_office, unit, small_cap):
    for i, last in enumerate(["Wróbel", "Adamczyk", "Nowak", "Baran", "Kowalska", "Mazur"]):
        _card(unit, "Anna", last, f"ELS-2025-000074{i}")
    client.force_login(deans_office)
    first, page = _listed(client, q="00074")
    assert f"More than {CAP} cards found: the first {CAP} by surname" in page
    second, _ = _listed(client, q="00074", page=2)
    assert first + second == ["ELS-2025-0000741", "ELS-2025-0000743", "ELS-2025-0000744",
                              "ELS-2025-0000745"]  # Adamczyk, Baran, Kowalska, Mazur


def test_a_number_typed_whole_lists_its_card_alone(client, deans_office, unit):
    wanted = _card(unit, "Łukasz", "Żak", "ELS-2025-0000743")
    _card(unit, "Anna", "Nowak", "ELS-2025-00007431")  # contains the number
    client.force_login(deans_office)
    for typed in ("ELS-2025-0000743", "els-2025-0000743", wanted.chip_serial.lower()):
        numbers, page = _listed(client, q=typed)
        assert numbers == ["ELS-2025-0000743"], typed
        assert "Cards with the number" in page
    numbers, _ = _listed(client, q="ELS-2025-000074")  # not whole: every card with it
    assert numbers == ["ELS-2025-00007431", "ELS-2025-0000743"]  # Nowak, Żak


def test_an_album_number_lists_its_holders_cards(client, deans_office, unit):
    holder = HolderFactory(last_name="Żak", album_number="412345")
    old = CardFactory(serving_unit=unit, holder=holder, number="ELS-2024-0000001")
    new = CardFactory(serving_unit=unit, holder=holder, number="ELS-2025-0000002")
    _card(unit, "Anna", "Nowak", "ELS-2025-4123450")
    client.force_login(deans_office)
    numbers, _ = _listed(client, q="412345")
    assert numbers == [old.number, new.number]


def test_a_number_of_another_units_card_is_not_shown_to_a_dean_s_office(
        client, deans_office, other_unit):
    _card(other_unit, "Łukasz", "Żak", "ELS-2025-0000743")
    client.force_login(deans_office)
    numbers, page = _listed(client, q="ELS-2025-0000743")
    assert numbers == [] and "No cards match." in page


def test_a_dean_s_office_lists_its_units_and_own_cards_by_surname(client, unit, other_unit):
    third = UnitFactory()
    office = UserFactory(roles=["dziekanat"], units=[unit, third])
    own = CardFactory(serving_unit=other_unit, number="ELN-OWN",
                      holder=HolderFactory(user=office, first_name="Ida", last_name="Kos"))
    _card(other_unit, "Anna", "Adamczyk", "ELS-OTHER")  # another unit's: never listed
    for i, last in enumerate(["Wróbel", "Ćwik", "Nowak", "Baran", "Żak"]):
        _card((unit, third)[i % 2], "Jan", last, f"ELS-{i}")
    client.force_login(office)
    numbers, page = _listed(client)
    assert numbers == ["ELS-3", "ELS-1", own.number, "ELS-2", "ELS-0", "ELS-4"]
    assert "6 cards" in page
    numbers, page = _listed(client, state="active")
    assert "ELS-OTHER" not in numbers and f"{len(numbers)} card" in page


def test_a_queue_search_over_the_cap_says_so(client, deans_office, unit, small_cap):
    for i in range(CAP + 1):
        open_case(_card(unit, "Anna", "Dąbrowska", f"ELS-{i}"), "lost", deans_office)
    client.force_login(deans_office)
    page = client.get("/cases/", {"q": "dabrowska"}).content.decode()
    assert f"More than {CAP} cases found" in page
