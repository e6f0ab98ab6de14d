"""The card office's daily work in a real browser, at 1280 and 390 px: an expired card says
so, a card put on the reader opens its page, a report keeps its filters, a student on a
staff page gets a Polish 403 with a way back."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from django.urls import reverse
from django.utils import timezone

from cards.chip_testing import shared_test_pki
from tests.factories import CardFactory, HolderFactory, UnitFactory, UserFactory
from tests.reader_bridge.factories import (
    ReaderDeviceFactory,
    chip_fields,
    deliver,
    read_body,
    trust,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
@pytest.fixture
def office():
    unit = UnitFactory(code="WMI", name="Wydział Matematyki i Informatyki")
    UserFactory(username="dziekanat", first_name="Anna", last_name="Nowak",
                roles=["dziekanat"], units=[unit])
    return unit


def test_an_expired_card_says_so_on_its_page_and_in_the_list(page, login, both_widths,
                                                               office):
    holder = HolderFactory(first_name="Natalia", last_name="Malinowska", album_number="200001")
    card = CardFactory(serving_unit=office, holder=holder, number="ELS-000077",
                       valid_until=timezone.localdate() - dt.timedelta(days=31))
    login("dziekanat")

    page.goto(reverse("cards:list"))
    assert "ważność wygasła — przedłuż" in page.locator("table.data").inner_text()
    both_widths("office-card-list-expired")
    page.goto(reverse("cards:detail", args=[card.pk]))
    assert page.locator(".page-head .badge.lapsed").inner_text() == "ważność wygasła — przedłuż"
    both_widths("office-card-expired")


def test_a_card_put_on_the_reader_opens_its_page(page, login, both_widths, office):
    card = CardFactory(serving_unit=office, number="ELS-000079")
    device = ReaderDeviceFactory(unit=office, name="pc-dziekanat")
    trust(shared_test_pki().ca_cert)
    login("dziekanat")
    page.goto(reverse("reader_bridge:desk"))
    unknown = read_body(fields=chip_fields(CardFactory.build(chip_serial="04ABCDEF012345")),
                        chip_serial="04ABCDEF012345")
    deliver(device, unknown)
    page.get_by_text("brak w systemie").wait_for(timeout=5000)
    both_widths("office-reader-desk")

    body = read_body(fields=chip_fields(card))
    sent = time.monotonic()
    deliver(device, body)
    page.wait_for_url(f"**/cards/{card.pk}/", timeout=5000)

    assert time.monotonic() - sent < 3
    assert card.number in page.locator("h1").inner_text()


def test_report_links_and_downloads_keep_the_filters(page, login, both_widths, office):
    UserFactory(username="ssos", roles=["ssos"])
    login("ssos")
    page.goto(reverse("reports:detail", args=["fees"])
              + f"?date_from=2026-06-01&date_to=2026-11-30&unit={office.pk}")

    csv_link = page.get_by_role("link", name="Pobierz CSV").get_attribute("href")
    other = page.locator("nav.card a").first.get_attribute("href")
    assert csv_link.endswith(f"export.csv?date_from=2026-06-01&date_to=2026-11-30&unit={office.pk}")
    assert other.endswith(f"?date_from=2026-06-01&date_to=2026-11-30&unit={office.pk}")
    both_widths("office-report-filtered")


def test_a_student_on_a_staff_page_gets_a_polish_403_with_a_way_back(page, login,
                                                                     both_widths, office):
    UserFactory(username="student")
    login("student")

    response = page.goto(reverse("cards:list"))

    assert response.status == 403
    assert "Nie masz dostępu do tej strony" in page.locator("h1").inner_text()
    both_widths("office-403")
    page.get_by_role("link", name="Przejdź do strony głównej").click()
    page.wait_for_url("**/")
