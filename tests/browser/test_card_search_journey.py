"""A dean's office secretary searches the card list in a real browser, at 1280 and 390 px:
a surname found too often says so and still pages, and a card number typed whole opens
the list on that card alone."""

from __future__ import annotations

import pytest

from django.urls import reverse

from tests.factories import CardFactory, HolderFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def office(monkeypatch):
    monkeypatch.setattr("cards.paging.SEARCH_CAP", 4)  # a few cards go over it
    monkeypatch.setattr("cards.card_list.PAGE_SIZE", 3)
    unit = UnitFactory(code="WMI", name="Wydział Matematyki i Informatyki")
    UserFactory(username="dziekanat", roles=["dziekanat"], units=[unit])
    for i, first in enumerate(["Anna", "Ewa", "Zofia", "Maria", "Ola", "Ada"]):
        CardFactory(serving_unit=unit, number=f"ELS-2025-000074{i}",
                    holder=HolderFactory(first_name=first, last_name="Dąbrowska"))
    return unit


def test_a_common_surname_says_narrow_the_search_and_a_number_finds_its_card(
        page, login, both_widths, office):
    login("dziekanat")
    page.goto(reverse("cards:list"))
    search = page.get_by_role("searchbox")
    search.fill("Dabrowska")
    search.press("Enter")
    notice = page.get_by_role("status")
    assert "Znaleziono ponad 4 legitymacji" in notice.inner_text()
    assert "strona 1 z 2" in page.locator(".pagination").inner_text()
    both_widths("office-card-search-over-cap")
    page.get_by_role("link", name="następna").click()
    assert "strona 2 z 2" in page.locator(".pagination").inner_text()
    assert page.locator("table.data tbody tr").count() == 1

    search = page.get_by_role("searchbox")
    search.fill("els-2025-0000743")
    search.press("Enter")
    assert page.locator("table.data tbody tr").count() == 1
    assert "ELS-2025-0000743" in page.locator("table.data").inner_text()
    assert "Legitymacje o numerze „els-2025-0000743”." in page.content()
    both_widths("office-card-search-number")
