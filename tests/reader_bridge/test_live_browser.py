"""In a real browser: a read posted by a reader shows up on the open card page, live."""

from __future__ import annotations

import time

import pytest

from django.urls import reverse

from cards.chip_testing import shared_test_pki
from tests.factories import CardFactory, UnitFactory, UserFactory

from .factories import ReaderDeviceFactory, chip_fields, deliver, read_body, trust

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_read_appears_on_the_card_page_within_two_seconds(page, login, screenshot):
    unit = UnitFactory(code="WMI", name="Wydział Matematyki i Informatyki")
    UserFactory(username="clerk", roles=["dziekanat"], units=[unit])
    card = CardFactory(serving_unit=unit)
    device = ReaderDeviceFactory(unit=unit, name="pc-dziekanat")
    trust(shared_test_pki().ca_cert)
    login("clerk")
    page.goto(reverse("cards:detail", args=[card.pk]))
    page.get_by_role("button", name="Odczytaj legitymację").click()
    page.wait_for_selector("[data-waiting-request]")

    body = read_body(fields=chip_fields(card))
    sent = time.monotonic()
    read_id = deliver(device, body)
    page.wait_for_selector(f'tr[data-read-id="{read_id}"]', timeout=2000)
    shown_after = time.monotonic() - sent

    row = page.locator(f'tr[data-read-id="{read_id}"]')
    assert "pc-dziekanat" in row.inner_text()
    assert page.locator("[data-waiting-request]").is_hidden()
    assert shown_after < 2
    screenshot("card-page-live-read")
