"""SSOS looks at the reports page (charts drawn by the app, numbers beside them) and takes
the table away as CSV and XLSX; and the daily pages hold up on a phone."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from django.utils import timezone

from tests.browser.pages import badge, horizontal_overflow, in_polish
from tests.warranty.helpers import CLEAN, act, open_case
from warranty.models import CaseKind, CaseState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _handed_over_warranty_case(scene):
    case = open_case(scene.card, CaseKind.FAULT, scene.clerk)
    for action, params in [("receive_card", {}), ("approve_warranty", {"checklist": CLEAN}),
                           ("order_replacement", {}), ("mark_ready", {})]:
        case = act(case, action, scene.ssos, **params)
    return act(case, "hand_over", scene.ssos, new_number="ELS-000043",
               new_chip_serial="04A1FFFF0001")


def test_reports_page_with_charts_and_exports(page, login, screenshot, scene):
    _handed_over_warranty_case(scene)
    month = timezone.localdate().strftime("%Y-%m")
    login("ssos")
    page.locator('.dash-links a[href="/reports/"]').click()
    page.wait_for_url("**/reports/")
    screenshot("reports-1-index")
    page.locator('a[href^="/reports/case-flow/"]').first.click()
    page.wait_for_url("**/reports/case-flow/**")

    charts = page.locator("figure.chart-box svg[role='img']")
    assert charts.count() >= 1
    assert charts.first.locator("title").first.text_content().strip()
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 1
    cells = [cell.strip() for cell in rows.first.locator("td").all_inner_texts()]
    assert cells == [month, in_polish(CaseKind.FAULT.label), "1", "1"]
    screenshot("reports-2-case-flow")

    with page.expect_download() as csv_download:
        page.locator('a[href*="/reports/case-flow/export.csv"]').click()
    text = csv_download.value.path().read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert csv_download.value.suggested_filename.endswith(".csv")
    assert len(table[0]) == 4 and table[1:] == [[month, in_polish(CaseKind.FAULT.label),
                                                 "1", "1"]]

    with page.expect_download() as xlsx_download:
        page.locator('a[href*="/reports/case-flow/export.xlsx"]').click()
    workbook = io.BytesIO(xlsx_download.value.path().read_bytes())
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(workbook, read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[1:] == [[month, in_polish(CaseKind.FAULT.label), 1, 1]]


def test_dashboard_fits_a_phone(page, login, screenshot, scene):
    open_case(scene.card, CaseKind.DAMAGE, scene.clerk, note="Karta pęknięta")
    page.set_viewport_size(PHONE)
    login("dziekanat")
    assert page.locator('a.tile[href$="?queue=unit_payment_due"] .value').inner_text() == "1"
    screenshot("phone-1-dashboard")
    assert horizontal_overflow(page) <= 0


@pytest.mark.parametrize("width", [390, 320])
def test_case_and_card_pages_fit_a_phone(page, login, screenshot, scene, width):
    case = open_case(scene.card, CaseKind.DAMAGE, scene.clerk, note="Karta pęknięta")
    page.set_viewport_size({**PHONE, "width": width})
    login("dziekanat")
    page.goto(f"/cases/{case.pk}/")
    assert badge(page) == in_polish(CaseState.PAYMENT_DUE.label)
    screenshot(f"phone-2-case-{width}")
    assert horizontal_overflow(page) <= 0
    page.goto(f"/cards/{scene.card.pk}/")
    assert horizontal_overflow(page) <= 0
