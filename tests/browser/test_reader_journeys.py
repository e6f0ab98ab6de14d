"""Reader-first work in a real browser, at 1280 and 390 px: the new card put on the reader
fills the hand-over form (or is refused with the reason), SSOS's own reader opens the card
read on the assessor's screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from django.urls import reverse

from cards.chip_testing import shared_test_pki
from cards.models import Card
from tests.factories import CardFactory, HolderFactory
from tests.reader_bridge.factories import (
    ReaderDeviceFactory,
    chip_fields,
    deliver,
    read_body,
    trust,
)
from tests.warranty.helpers import act, open_case
from warranty.models import CaseState
from warranty.services import payment_waive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def put_on_reader(device, card, serial: str, **changes) -> None:
    """The agent posts the read of a chip carrying `card`'s holder's data."""
    body = read_body(fields=chip_fields(card, chip_serial=serial, **changes), chip_serial=serial)
    deliver(device, body)


@pytest.fixture
def ready_for_pickup(scene):
    trust(shared_test_pki().ca_cert)
    case = open_case(scene.card, "lost", scene.clerk, note="zgubiona w tramwaju")
    payment_waive(case_id=case.pk, actor=scene.clerk, source="web", reason="trudna sytuacja")
    act(case, "order_duplicate", scene.clerk)
    return act(case, "mark_ready", scene.clerk)


def test_hand_over_takes_the_new_cards_serial_from_the_read(page, login, both_widths, scene,
                                                            ready_for_pickup):
    device = ReaderDeviceFactory(unit=scene.unit, name="pc-dziekanat")
    login("dziekanat")
    page.goto(reverse("warranty:detail", args=[ready_for_pickup.pk]))
    page.get_by_text("Wydaj nową legitymację", exact=True).first.click()
    status = page.locator("[data-new-card-status]")
    serial = page.get_by_label("Numer seryjny nowego chipu")

    put_on_reader(device, scene.card, "04C0FFEE0000B1", pesel=HolderFactory.build().pesel)
    page.get_by_text("należą do innej osoby").wait_for(timeout=5000)
    assert serial.input_value() == ""
    both_widths("reader-handover-refused")

    put_on_reader(device, scene.card, "04C0FFEE0000A1")
    page.get_by_text("jest poprawna").wait_for(timeout=5000)
    assert serial.input_value() == "04C0FFEE0000A1"
    assert "pc-dziekanat" in status.inner_text()
    both_widths("reader-handover-filled")
    page.get_by_label("Numer nowej legitymacji").fill("ELS-2026-900001")
    page.locator("form").filter(has=serial).get_by_role(
        "button", name="Wydaj nową legitymację").click()
    page.get_by_text("Wydano nową legitymację").first.wait_for()

    ready_for_pickup.refresh_from_db()
    assert ready_for_pickup.state == CaseState.HANDED_OVER
    assert Card.objects.get(replaces=scene.card).chip_serial == "04C0FFEE0000A1"


def test_ssos_reader_opens_the_case_of_the_card_put_on_it(page, login, both_widths, scene):
    case = open_case(scene.card, "fault", scene.clerk)
    elsewhere = CardFactory(holder=HolderFactory(first_name="Natalia", last_name="Malinowska"))
    device = ReaderDeviceFactory(unit=None, for_ssos=True, name="ssos-pc")
    trust(shared_test_pki().ca_cert)
    login("ssos")
    page.goto(reverse("reader_bridge:desk"))
    assert "ssos-pc" in page.locator("main").inner_text()

    body = read_body(fields=chip_fields(elsewhere))
    page.evaluate("window.localStorage.setItem('legitymacje.desk.follow', 'off')")
    page.reload()
    deliver(device, body)
    page.get_by_text(elsewhere.number).wait_for(timeout=5000)
    both_widths("reader-ssos-desk")
    page.get_by_label("Otwieraj stronę legitymacji").check()

    body = read_body(fields=chip_fields(scene.card))
    deliver(device, body)
    page.wait_for_url(f"**/cases/{case.pk}/", timeout=5000)
    both_widths("reader-ssos-case")


def _ready(card, clerk):
    case = open_case(card, "lost", clerk, note="zgubiona")
    payment_waive(case_id=case.pk, actor=clerk, source="web", reason="zwolnienie")
    act(case, "order_duplicate", clerk)
    return act(case, "mark_ready", clerk)


def test_a_stack_of_new_cards_is_handed_over_from_the_reader(page, login, both_widths, scene,
                                                             ready_for_pickup):
    natalia = CardFactory(serving_unit=scene.unit, number="ELS-000043", holder=HolderFactory(
        first_name="Natalia", last_name="Malinowska", album_number="200001"))
    second = _ready(natalia, scene.clerk)
    device = ReaderDeviceFactory(unit=scene.unit, name="pc-dziekanat")
    login("dziekanat")
    page.goto(reverse("warranty:list") + "?queue=to_hand_over")
    page.get_by_role("link", name="Wydaj kilka nowych legitymacji naraz").click()
    page.wait_for_url("**/cases/hand-over/")

    put_on_reader(device, natalia, "04C0FFEE0000E2")
    natalia_serial = page.locator(f'[data-serial-for="{second.pk}"]')
    expect(natalia_serial).to_have_value("04C0FFEE0000E2", timeout=5000)
    put_on_reader(device, scene.card, "04C0FFEE0000E1")
    expect(page.locator(f'[data-serial-for="{ready_for_pickup.pk}"]')).to_have_value(
        "04C0FFEE0000E1", timeout=5000)
    page.locator(f'[data-number-for="{ready_for_pickup.pk}"]').fill("ELS-2026-900021")
    page.locator(f'[data-number-for="{second.pk}"]').fill("ELS-000042")  # a card's already
    both_widths("reader-handover-stack")
    page.get_by_role("button", name="Wydaj wypełnione legitymacje").click()

    page.get_by_text("wykonano w 1 zgłoszeniu").wait_for()
    assert "już istnieje" in page.locator(".messages").inner_text()
    assert natalia_serial.count() == 1  # Natalia's case stays on the stack
    both_widths("reader-handover-stack-done")
    ready_for_pickup.refresh_from_db()
    second.refresh_from_db()
    assert (ready_for_pickup.state, second.state) == (CaseState.HANDED_OVER,
                                                      CaseState.READY_FOR_PICKUP)


def test_a_refused_extension_offers_the_invalidation_with_its_ground(page, login,
                                                                    both_widths, scene):
    from cards.models import EnrolmentStatus
    from tests.factories import EnrolmentFactory

    EnrolmentFactory(holder=scene.holder, unit=scene.unit, status=EnrolmentStatus.REMOVED)
    login("dziekanat")
    page.goto(reverse("cards:detail", args=[scene.card.pk]))
    button = page.locator("#card-extension").get_by_role("link", name="Załóż unieważnienie")
    button.wait_for()
    both_widths("reader-next-step-card")

    button.click()
    page.wait_for_url("**/invalidation/?ground=removed_from_list")
    assert page.locator('input[value="removed_from_list"]').is_checked()
    both_widths("reader-next-step-invalidation")
