"""In a real browser: a clerk starts a semester-start batch at the reader, cards go in
one after another and are listed live, then the holograms are confirmed at once. The
agent is played by signed HTTP calls: reads, the signed job poll, the write result."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from django.test import Client

from cards.models import CardState
from tests.factories import CardFactory, EnrolmentFactory, HolderFactory

from .agent_calls import fetch, opened_job, written
from .extension_setup import genuine_file
from .factories import ReaderDeviceFactory, deliver, read_body

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def insert_and_write(device, card, agent: Client) -> None:
    """The agent reads the card, takes the write job the read led to, and reports it."""
    body = read_body(els=genuine_file(card), chip_serial=card.chip_serial)
    deliver(device, body)
    response = fetch(agent, device)
    if response.status_code == 200:
        assert written(agent, device, opened_job(response)).json() == {"status": "verified"}


@pytest.fixture
def desk(unit, deans_office, extendable):
    deans_office.set_password("pass")
    deans_office.save()
    device = ReaderDeviceFactory(unit=unit, name="pc-dziekanat-1")
    holder = HolderFactory(first_name="Marek", last_name="Wójcik")
    unsettled = CardFactory(serving_unit=unit, holder=holder, number="ELS-2025-000777")
    second = CardFactory(serving_unit=unit, number="ELS-2025-000778")
    EnrolmentFactory(holder=second.holder, unit=unit)
    EnrolmentFactory(holder=holder, unit=unit, cycle_code="OLD")
    return device, [extendable, unsettled, second]


def row(page, card):
    return page.locator(".batch-row", has_text=card.number)


def test_a_batch_lists_each_card_live_and_ends_with_the_holograms(page, login, screenshot,
                                                                 desk, deans_office):
    device, (first, unsettled, second) = desk
    agent = Client()
    login(deans_office.username)
    page.get_by_role("link", name="Przedłużanie serii legitymacji").click()
    page.get_by_label("Czytnik").select_option(str(device.pk))
    page.get_by_role("button", name="Rozpocznij serię").click()
    expect(page.locator("[data-batch-state]")).to_have_text("w toku")

    for card in (first, unsettled, second):
        insert_and_write(device, card, agent)
        expect(row(page, card)).to_be_visible(timeout=3000)  # no reload, no click

    expect(row(page, first)).to_contain_text("Przedłużona — naklej hologram")
    expect(row(page, second)).to_contain_text("Przedłużona — naklej hologram")
    refused = row(page, unsettled)
    expect(refused).to_contain_text("Marek Wójcik nie jest rozliczony")
    expect(refused.get_by_role("link", name="Sprawa")).to_be_visible()
    expect(page.locator('[data-count="extended"]')).to_have_text("2")
    expect(page.locator('[data-count="refused"]')).to_have_text("1")
    screenshot("batch-extension-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("batch-extension-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Zakończ serię").click()
    expect(page.locator("[data-batch-state]")).to_have_text("zakończona")

    page.get_by_role("link", name="Potwierdź hologramy przedłużonych legitymacji").click()
    page.get_by_label("Numer pierwszego hologramu").fill("12300101")
    for card in (first, second):
        page.get_by_role("checkbox", name=card.number).check()
    page.get_by_role("button", name="Uzupełnij numery").click()
    expect(page.get_by_label(f"Numer hologramu legitymacji {second}")).to_have_value("12300102")
    screenshot("holograms-batch-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("holograms-batch-390")
    page.get_by_role("button", name="Potwierdź hologramy").click()
    expect(page.locator(".message.success")).to_contain_text("12300101")

    for card, number in ((first, "12300101"), (second, "12300102")):
        card.refresh_from_db()
        assert card.state == CardState.ACTIVE
        assert card.holograms.get().number == number
