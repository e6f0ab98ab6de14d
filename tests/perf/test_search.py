"""Search as a secretary types it: partial, any letter case, without Polish diacritics,
on the case queue, the card list and the API (PostgreSQL: unaccent + trigram indexes;
SQLite: the same folding from Python)."""

from __future__ import annotations

import pytest

from cards.models import Card, Holder
from cards.search import fold
from tests.factories import CardFactory, HolderFactory
from tests.warranty.helpers import act, open_case
from warranty.models import Case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def cases(unit, deans_office):
    people = {
        "dabrowska": ("Anna", "Dąbrowska", "ELS-2025-0000123"),
        "zak": ("Łukasz", "Żak", "ELS-2025-0000743"),
        "nowak": ("Zofia", "Nowak", "ELS-2024-0009999"),
    }
    made = {}
    for key, (first, last, number) in people.items():
        holder = HolderFactory(first_name=first, last_name=last)
        made[key] = open_case(CardFactory(serving_unit=unit, holder=holder, number=number),
                              "lost", deans_office)
    return made


def test_fold_drops_case_and_diacritics():
    assert fold("Łukasz", "ŻAK", "Dąbrowska-Świętochowska") == "lukasz zak dabrowska-swietochowska"


@pytest.mark.parametrize(("query", "found"), [
    ("Dabrowska", {"dabrowska"}), ("dąbr", {"dabrowska"}), ("zak", {"zak"}),
    ("ŻAK", {"zak"}), ("lukasz zak", {"zak"}), ("anna nowak", set()),
    ("00074", {"zak"}), ("els-2024", {"nowak"}), ("nobody", set()),
])
def test_queue_search(client, deans_office, cases, query, found):
    client.force_login(deans_office)
    response = client.get("/cases/", {"q": query})
    assert response.status_code == 200
    shown = {case.number for case in response.context["page"].object_list}
    assert shown == {cases[key].number for key in found}


def test_queue_search_finds_the_case_number(client, deans_office, cases):
    client.force_login(deans_office)
    number = cases["nowak"].number  # e.g. ELS/2026/00003
    response = client.get("/cases/", {"q": number.split("/")[-1][-3:]})
    assert number in response.content.decode()


def test_queue_search_field_has_focus_and_keeps_the_query(client, deans_office, cases):
    client.force_login(deans_office)
    page = client.get("/cases/", {"q": "Dabrowska"}).content.decode()
    assert 'name="q" value="Dabrowska"' in page and "autofocus" in page
    assert "Dąbrowska" in page and "Żak" not in page


def test_search_only_within_what_the_user_sees(client, other_deans_office, cases):
    client.force_login(other_deans_office)
    response = client.get("/cases/", {"q": "zak"})
    assert list(response.context["page"].object_list) == []


def test_card_list_search(client, deans_office, cases):
    client.force_login(deans_office)
    page = client.get("/cards/", {"q": "dabrowska"}).content.decode()
    assert "ELS-2025-0000123" in page and "ELS-2025-0000743" not in page
    page = client.get("/cards/", {"q": "00074"}).content.decode()
    assert "ELS-2025-0000743" in page and "ELS-2025-0000123" not in page


def test_api_search(client, deans_office, cases):
    client.force_login(deans_office)
    cards = client.get("/api/cards/", {"q": "zak"}).json()["results"]
    assert [c["number"] for c in cards] == ["ELS-2025-0000743"]
    found = client.get("/api/cases/", {"q": "dabrowska"}).json()["results"]
    assert [c["number"] for c in found] == [cases["dabrowska"].number]


def _found(client, url, query):
    return {row.number for row in
            client.get(url, {"q": query}).context["page"].object_list}


@pytest.mark.parametrize(("query", "found"), [
    ("an", {"dabrowska"}),  # Anna; "an" inside Łukasz Żak's or Zofia Nowak's words is not
    ("zo nowak", {"nowak"}), ("fia", {"nowak"}), ("fi", set()),  # short: start of a word
    ("d", {"dabrowska"}), ("ł", {"zak"}), ("els-2024 z", {"nowak"}),
])
def test_words_shorter_than_three_letters_match_the_start_of_a_word(
        client, deans_office, cases, query, found):
    client.force_login(deans_office)
    assert _found(client, "/cases/", query) == {cases[key].number for key in found}


def test_a_renamed_holder_is_found_by_the_new_name_only(client, deans_office, cases):
    holder = Holder.objects.get(last_name="Żak")
    holder.last_name = "Wróblewski"
    holder.save()
    client.force_login(deans_office)
    assert _found(client, "/cases/", "wroblewski") == {cases["zak"].number}
    assert _found(client, "/cases/", "zak") == set()
    assert {c.number for c in client.get("/cards/", {"q": "wroblewski"}).context[
        "page"].object_list} == {"ELS-2025-0000743"}


def test_a_changed_card_number_is_found(client, deans_office, cases):
    Card.objects.filter(number="ELS-2024-0009999").update(number="ELS-2024-0005555")
    client.force_login(deans_office)
    assert _found(client, "/cases/", "0005555") == {cases["nowak"].number}
    assert _found(client, "/cases/", "0009999") == set()


def test_a_case_is_found_after_it_is_saved_and_moved(client, deans_office, cases):
    cases["zak"].save()  # in memory since it was opened, without the stored text
    act(cases["dabrowska"], "mark_found", deans_office)
    client.force_login(deans_office)
    assert _found(client, "/cases/", "zak") == {cases["zak"].number}
    response = client.get("/cases/", {"q": "dabrowska", "state": "cancelled"})
    assert [c.number for c in response.context["page"].object_list] == [
        cases["dabrowska"].number]
    assert Case.objects.filter(search_text="").count() == 0


def test_card_list_search_only_within_the_users_units(client, other_deans_office, cases):
    client.force_login(other_deans_office)
    for query in ("dabrowska", "00074", "an"):
        assert list(client.get("/cards/", {"q": query}).context["page"].object_list) == []


def test_card_list_search_lists_by_surname(client, deans_office, unit):
    for first, last, number in [("Ewa", "Żak", "ELN-1"), ("Jan", "Adamczyk-Żak", "ELN-2"),
                                ("Ola", "Zakrzewska", "ELN-3"), ("Ada", "Żak", "ELN-4")]:
        CardFactory(serving_unit=unit, number=number,
                    holder=HolderFactory(first_name=first, last_name=last))
    client.force_login(deans_office)
    response = client.get("/cards/", {"q": "zak"})
    assert [c.number for c in response.context["page"].object_list] == [
        "ELN-2", "ELN-4", "ELN-1", "ELN-3"]  # Adamczyk-Żak, Żak Ada, Żak Ewa, Zakrzewska
