"""The case flow's missing pieces in a real browser, at 1280 and 390 px: the USOS office
hands a fixed extension failure back and the dean's office retries it; a forged read is
reported from the reader desk and SSOS confirms it; a read's details are in Polish; a
trend chart reads on a phone."""

from __future__ import annotations

import pytest

from django.urls import reverse

from cards.chip_testing import build_test_els_file, shared_test_pki
from cards.models import Card, CardState
from tests.browser.pages import NARROW, WIDE, badge, in_polish, submit, take_step
from tests.factories import CardFactory, HolderFactory, UnitFactory, UserFactory
from tests.reader_bridge.factories import (
    ReaderDeviceFactory,
    chip_fields,
    deliver,
    read_body,
    trust,
)
from warranty.models import Case, CaseState
from warranty.services import case_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
@pytest.fixture
def office():
    unit = UnitFactory(code="WMI", name="Wydział Matematyki i Informatyki")
    clerk = UserFactory(username="dziekanat", first_name="Anna", last_name="Nowak",
                        roles=["dziekanat"], units=[unit], email="dziekanat@example.edu")
    UserFactory(username="usos", roles=["usos"])
    UserFactory(username="ssos", roles=["ssos"], email="ssos@example.edu")
    return unit, clerk


def test_usos_hands_the_case_back_and_the_deans_office_retries(page, login, both_widths,
                                                               office):
    unit, clerk = office
    holder = HolderFactory(first_name="Natalia", last_name="Malinowska", album_number="200001")
    card = CardFactory(serving_unit=unit, holder=holder, number="ELS-000081")
    case = case_open(card_id=card.pk, kind="extension_failure", actor=clerk, source="web",
                     extension_error="no_certificate", note="USOS: brak certyfikatu")

    login("usos")
    page.goto(reverse("warranty:detail", args=[case.pk]))
    take_step(page, "hand_back", note="zarejestrowano certyfikat podpisu WMI")
    assert badge(page) == in_polish(CaseState.READY_TO_RETRY.label)
    assert both_widths("retry-1-handed-back") <= 0

    login("dziekanat")
    tile = page.locator('a[href$="queue=unit_retry"]')
    assert "1" in tile.inner_text()
    assert both_widths("retry-2-dashboard") <= 0
    tile.click()
    page.get_by_role("link", name=case.number).click()
    assert page.locator(".alert.info", has_text="Biuro USOS usunęło przyczynę").count() == 1
    assert both_widths("retry-3-case-for-the-office") <= 0
    form = page.locator(f'form[action="{reverse("warranty:attempt", args=[case.pk])}"]')
    page.locator("details.action", has=form).locator("summary").click()
    form.locator('input[value="yes"]').check()
    form.locator('textarea').fill("przedłużono przy czytniku")
    submit(page, form.locator('button[type="submit"]'))
    assert badge(page) == in_polish(CaseState.RESOLVED.label)
    assert both_widths("retry-4-resolved") <= 0


def test_a_forged_read_is_reported_from_the_desk_and_confirmed_by_ssos(
        page, login, both_widths, office):
    unit, _clerk = office
    holder = HolderFactory(first_name="Tomasz", last_name="Zieliński", album_number="200002")
    card = CardFactory(serving_unit=unit, holder=holder, number="ELS-000083")
    device = ReaderDeviceFactory(unit=unit, name="pc-dziekanat")
    trust(shared_test_pki().ca_cert)
    login("dziekanat")
    page.goto(reverse("reader_bridge:desk"))
    page.locator("[data-follow]").uncheck()
    forged = build_test_els_file(chip_fields(card)).replace(b"Tomasz", b"Tomasx")
    body = read_body(els=forged)
    deliver(device, body)
    report = page.get_by_role("link", name="Zgłoś podejrzenie podrobienia")
    report.wait_for(timeout=10_000)
    assert both_widths("forgery-1-desk") <= 0

    report.click()
    page.wait_for_url("**/forgery/")
    details = page.locator(".read-details").inner_text()
    for polish in ("Dane w chipie", "Podpis", "algorytm skrótu",
                   "Problemy wykryte przy sprawdzaniu"):
        assert polish in details
    assert "the signature" not in details and "changed after signing" not in details
    assert both_widths("forgery-2-report-form") <= 0
    page.locator('textarea[name="note"]').fill("legitymacja przyniesiona przez osobę trzecią")
    submit(page, page.get_by_role("button", name="Zgłoś do SSOS"))
    case = Case.objects.get(kind="suspected_forgery")
    assert badge(page) == in_polish(CaseState.FORGERY_TO_CHECK.label)

    login("ssos")
    page.goto(reverse("warranty:detail", args=[case.pk]))
    assert page.locator(".read-details").count() == 1
    assert both_widths("forgery-3-case-for-ssos") <= 0
    take_step(page, "confirm_forgery", note="nadruk niezgodny ze wzorem")
    assert badge(page) == in_polish(CaseState.FORGERY_CONFIRMED.label)
    assert Card.objects.get(pk=card.pk).state == CardState.INVALIDATED
    assert both_widths("forgery-4-confirmed") <= 0


def test_the_trend_line_chart_reads_on_a_phone(page, login, both_widths, office):
    unit, clerk = office
    for number in range(3):
        card = CardFactory(serving_unit=unit)
        case_open(card_id=card.pk, kind="fault", actor=clerk, source="web",
                  note=f"nie działa {number}")
    login("ssos")
    page.goto(reverse("reports:detail", args=["case-flow"]) + "?date_from=2025-01-01")
    page.set_viewport_size(NARROW)
    wide = page.locator('svg.chart-wide[aria-labelledby^="cases-opened-closed-title"]')
    narrow = page.locator('svg.chart-narrow[aria-labelledby^="cases-opened-closed-narrow"]')
    assert not wide.is_visible() and narrow.is_visible()
    box = narrow.bounding_box()
    assert box["width"] <= 390
    page.set_viewport_size(WIDE)
    assert wide.is_visible() and not narrow.is_visible()
    assert both_widths("chart-line-case-flow") <= 0
