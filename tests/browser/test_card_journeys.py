"""A dean's office clerk finds a card, extends it and confirms the hologram, in a real
browser; a refused extension says why in Polish."""

import pytest

from cards.models import CardState
from tests.factories import (
    CardFactory,
    EnrolmentFactory,
    HolderFactory,
    SemesterFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clerk_and_card():
    unit = UnitFactory(code="WMI", name="Wydział Matematyki i Informatyki")
    UserFactory(username="dziekanat", first_name="Anna", last_name="Nowak",
                roles=["dziekanat"], units=[unit])
    holder = HolderFactory(first_name="Jan", last_name="Kowalski", album_number="123456")
    EnrolmentFactory(holder=holder, unit=unit)
    SemesterFactory()
    return CardFactory(serving_unit=unit, holder=holder)


def open_action(page, label):
    action = page.locator("details.action", has_text=label)
    action.locator("summary").click()
    return action


def test_clerk_finds_an_extended_card_and_confirms_its_hologram(page, login, screenshot,
                                                               clerk_and_card):
    """The extension itself goes through the chip (tests/reader_bridge/
    test_extension_browser.py); here the card is back at the desk for its hologram."""
    card = clerk_and_card
    type(card).objects.filter(pk=card.pk).update(state=CardState.AWAITING_HOLOGRAM)
    login("dziekanat")
    page.get_by_role("searchbox").first.fill("123456")
    page.get_by_role("button", name="Szukaj").first.click()
    screenshot("cards-search")
    page.get_by_role("link", name=card.number).first.click()
    assert card.holder.pesel not in page.content()
    screenshot("card-detail")

    hologram = open_action(page, "Potwierdź hologram")
    hologram.get_by_label("Numer hologramu").fill("123 00042")
    hologram.get_by_role("button").click()

    assert page.locator(".badge.big").inner_text() == str(CardState.ACTIVE.label)
    assert "12300042" in page.locator(".facts").inner_text()
    card.refresh_from_db()
    assert (card.state, card.hologram_count) == (CardState.ACTIVE, 1)
    assert list(card.holograms.values_list("number", flat=True)) == ["12300042"]
    screenshot("card-hologram-confirmed")


def test_extension_without_certificate_is_refused_with_the_usos_message(page, login,
                                                                        clerk_and_card):
    card = clerk_and_card
    login("dziekanat")
    page.goto(f"/cards/{card.pk}/")
    action = page.locator("#card-extension details.action")  # open from the start
    assert "Nie znaleziono certyfikatu do podpisu" in action.inner_text()
    assert action.get_by_role("button").count() == 0
    card.refresh_from_db()
    assert card.state == CardState.ACTIVE
