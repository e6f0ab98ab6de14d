"""The office's remaining daily-work gaps in a real browser, at 1280 and 390 px: every
refusal offers its next step (a forged read's report, a card action refused by its case),
the reads tables read as stacked rows on a phone, the hand-over stack is paged and
counted, and the live pages' one poller backs off on errors and rests in a hidden tab."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from django.urls import reverse
from django.utils import timezone

from cards.chip_testing import build_test_els_file, shared_test_pki
from tests.browser.pages import NARROW, WIDE, submit
from tests.factories import CardFactory, HolderFactory
from tests.reader_bridge.factories import (
    ReaderDeviceFactory,
    chip_fields,
    deliver,
    read_body,
    trust,
)
from tests.warranty.helpers import act, open_case
from warranty.models import Case
from warranty.services import payment_mark_paid, payment_waive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reader(scene):
    trust(shared_test_pki().ca_cert)
    return ReaderDeviceFactory(unit=scene.unit, name="pc-dziekanat-pokój-12")


def _forged_read(device, card) -> None:
    forged = build_test_els_file(chip_fields(card)).replace(
        card.holder.first_name.encode(), b"Xan")
    deliver(device, read_body(els=forged))


def _stacked(body, column: int = 0) -> str:
    """At 390 px the first row is a block of "label: value" cells, not a table row: its
    cell's label, as the screen shows it. Read in one go: the poller may replace the row."""
    display, label = body.evaluate("""(body, column) => {
        const cell = body.rows[0].cells[column];
        return [getComputedStyle(body.rows[0]).display,
                getComputedStyle(cell, "::before").content];
    }""", column)
    assert display == "block"
    return label.strip('"')


def test_a_forged_read_on_the_card_page_is_reported_and_then_leads_to_its_case(
        page, login, both_widths, scene, reader):
    login("dziekanat")
    page.goto(reverse("cards:detail", args=[scene.card.pk]))
    _forged_read(reader, scene.card)
    reads = page.locator("#card-reads")
    report = reads.get_by_role("link", name="Zgłoś podejrzenie podrobienia")
    report.wait_for(timeout=10_000)
    assert "danger" in report.get_attribute("class")
    assert page.get_by_role("link", name="Zgłoś podejrzenie podrobienia").count() == 1
    assert both_widths("nextsteps-1-card-forged-read") <= 0
    page.set_viewport_size(NARROW)
    assert _stacked(reads.locator("tbody")) == "Data odczytu"
    page.set_viewport_size(WIDE)

    report.click()
    page.wait_for_url("**/forgery/")
    page.locator('textarea[name="note"]').fill("przyniosła ją osoba trzecia")
    submit(page, page.get_by_role("button", name="Zgłoś do SSOS"))
    case = Case.objects.get(kind="suspected_forgery")

    page.goto(reverse("reader_bridge:desk"))
    go_to_case = page.locator("#reader-desk").get_by_role(
        "link", name=f"Przejdź do zgłoszenia {case.number}")
    expect(go_to_case).to_be_visible()
    assert page.get_by_role("link", name="Zgłoś podejrzenie podrobienia").count() == 0
    assert both_widths("nextsteps-2-desk-reported-read") <= 0
    page.set_viewport_size(NARROW)
    assert _stacked(page.locator("#reader-desk tbody")) == "Data odczytu"
    assert go_to_case.is_visible()
    page.set_viewport_size(WIDE)


def test_the_desk_adds_live_rows_stacked_on_a_phone(page, login, both_widths, scene, reader):
    natalia = CardFactory(serving_unit=scene.unit, number="ELS-000044", holder=HolderFactory(
        first_name="Natalia", last_name="Malinowska", album_number="200004"))
    login("dziekanat")
    page.goto(reverse("reader_bridge:desk"))
    page.locator("[data-follow]").uncheck()
    page.set_viewport_size(NARROW)
    deliver(reader, read_body(fields=chip_fields(natalia)))
    deliver(reader, read_body(fields=chip_fields(scene.card, chip_serial="04DEADBEEF0001"),
                              chip_serial="04DEADBEEF0001"))
    rows = page.locator("#reader-desk tbody tr")
    expect(rows).to_have_count(2, timeout=10_000)  # added by the poller, not rendered

    body = page.locator("#reader-desk tbody")
    assert (_stacked(body), _stacked(body, 2)) == ("Data odczytu", "Legitymacja")
    assert both_widths("nextsteps-3-desk-live-rows") <= 0


def test_a_card_action_refused_by_its_case_offers_the_case(page, login, both_widths, scene):
    case = open_case(scene.card, "lost", scene.clerk, note="zgubiona w tramwaju")
    payment_mark_paid(case_id=case.pk, actor=scene.clerk, source="web", reference="R-7",
                      paid_on=timezone.localdate())
    login("dziekanat")
    page.goto(reverse("cards:detail", args=[scene.card.pk]))
    mark_found = reverse("cards:act", args=[scene.card.pk, "mark_found"])
    form = page.locator(f'form[action="{mark_found}"]')
    page.locator("details.action", has=form).locator("summary").click()
    submit(page, form.locator('button[type="submit"]'))

    assert "zwróć ją" in page.locator(".alert.error").inner_text()
    go_to_case = page.get_by_role("link", name=f"Przejdź do zgłoszenia {case.number}")
    expect(go_to_case).to_be_visible()
    assert both_widths("nextsteps-4-card-action-refused") <= 0
    go_to_case.click()
    page.wait_for_url(f"**{reverse('warranty:detail', args=[case.pk])}")


def _ready(card, clerk):
    case = open_case(card, "lost", clerk, note="zgubiona")
    payment_waive(case_id=case.pk, actor=clerk, source="web", reason="trudna sytuacja")
    return act(act(case, "order_duplicate", clerk), "mark_ready", clerk)


def test_the_hand_over_stack_is_paged_and_says_how_many_wait(page, login, both_widths, scene,
                                                             monkeypatch):
    monkeypatch.setattr("warranty.bulk.MAX_BULK", 2)  # the live server runs in this process
    cases = [_ready(scene.card, scene.clerk)] + [
        _ready(CardFactory(serving_unit=scene.unit, number=f"ELS-00005{i}"), scene.clerk)
        for i in range(2)]
    login("dziekanat")
    page.goto(reverse("warranty:hand-over-stack"))

    assert "3 nowe legitymacje czekają na wydanie" in page.locator(
        "[data-waiting-count]").inner_text()
    assert page.locator("tbody tr").count() == 2
    assert both_widths("nextsteps-5-stack-page-1") <= 0
    page.set_viewport_size(NARROW)
    assert _stacked(page.locator("tbody"), 3) == "Numer nowej legitymacji"
    page.set_viewport_size(WIDE)
    page.locator(".pagination").get_by_role("link", name="następna ›").click()
    page.wait_for_url("**/cases/hand-over/?page=2")
    last = page.locator("tbody tr")
    expect(last).to_have_count(1)
    assert cases[-1].number in last.inner_text()
    page.locator(f'[data-number-for="{cases[-1].pk}"]').fill("ELS-2026-900031")
    page.locator(f'[data-serial-for="{cases[-1].pk}"]').fill("04C0FFEE0000F3")
    page.get_by_role("button", name="Wydaj wypełnione legitymacje").click()
    page.get_by_text("wykonano w 1 zgłoszeniu").wait_for()
    assert "2 nowe legitymacje czekają na wydanie" in page.locator(
        "[data-waiting-count]").inner_text()
    assert both_widths("nextsteps-6-stack-after-hand-over") <= 0


def test_the_poller_backs_off_on_errors_and_rests_while_the_tab_is_hidden(
        page, login, scene, reader):
    asked: list[float] = []

    def failing(route):
        asked.append(time.monotonic())
        route.fulfill(status=503, body="")

    login("dziekanat")
    page.route("**/desk.json*", failing)
    page.goto(reverse("reader_bridge:desk"))
    page.wait_for_timeout(4_000)
    # every 0.5 s it would ask 8 times; doubling from 0.5 s (1, 2, 4 s) it asks 3 or 4
    assert 2 <= len(asked) <= 4, asked
    gaps = [later - earlier for earlier, later in zip(asked, asked[1:], strict=False)]
    assert gaps == sorted(gaps)

    page.unroute("**/desk.json*")
    page.reload()
    page.evaluate("""() => {
        Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    page.wait_for_timeout(600)  # a request already on its way may still land
    page.route("**/desk.json*", failing)
    asked.clear()
    page.wait_for_timeout(2_000)
    assert asked == []
    page.evaluate("""() => {
        Object.defineProperty(document, "hidden", {configurable: true, get: () => false});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    page.wait_for_timeout(500)
    assert len(asked) == 1  # shown again: it asks at once
