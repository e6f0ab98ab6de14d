"""A dean's office clerk finds a card and reports it as not working, in a real browser."""

import pytest

from cards.models import CardState
from tests.factories import CardFactory, HolderFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_reports_a_card_not_working(page, login, screenshot):
    unit = UnitFactory(code="WMI", name="Wydział Matematyki i Informatyki")
    UserFactory(username="dziekanat", first_name="Anna", last_name="Nowak",
                roles=["dziekanat"], units=[unit])
    card = CardFactory(serving_unit=unit, holder=HolderFactory(first_name="Jan",
                                                               last_name="Kowalski",
                                                               album_number="123456"))
    login("dziekanat")
    page.get_by_role("searchbox").fill("123456")
    page.get_by_role("button", name="Szukaj").click()
    screenshot("cards-search")
    page.get_by_role("link", name=f"ELS {card.number}").click()
    assert card.holder.pesel not in page.content()
    screenshot("card-detail")

    action = page.locator("details.action", has_text="Zgłoś niedziałającą")
    action.locator("summary").click()
    action.get_by_label("Notatka").fill("Nie wczytuje się w USOS")
    action.get_by_role("button", name="Zgłoś niedziałającą").click()

    assert page.locator(".badge.big").inner_text() == str(CardState.REPORTED_FAULTY.label)
    card.refresh_from_db()
    assert card.state == CardState.REPORTED_FAULTY
    screenshot("card-reported-faulty")
