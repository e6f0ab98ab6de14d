"""Every report's CSV and XLSX, followed from the links on its page, hold what the page shows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from openpyxl import load_workbook

from reports.catalogue import REPORTS
from reports.exports import _plain
from reports.rollups import card_event_days_refresh
from tests.reports.test_views import _add_rows

pytestmark = pytest.mark.django_db

FILTERS = {"date_from": "2026-03-01", "date_to": "2026-06-30"}


def _link(html: str, pattern: str) -> str:
    match = re.search(rf'href="([^"]*{pattern}[^"]*)"', html)
    assert match, f"no link matching {pattern}"
    return unescape(match.group(1))


def _as_csv(value) -> str:
    value = _plain(value)
    return "" if value is None else str(value)


def _as_xlsx(value):
    """What a spreadsheet cell gives back: numbers as numbers, an empty text as no value."""
    value = _plain(value)
    if value == "":
        return None
    return float(value) if isinstance(value, Decimal) else value


def _same_numbers(left, right) -> bool:
    if isinstance(left, float | int) and isinstance(right, float | int):
        return abs(left - right) < 1e-9
    if isinstance(left, dt.datetime) and isinstance(right, dt.datetime):
        return abs((left - right).total_seconds()) < 0.001
    return left == right


@pytest.fixture
def page_of(client, ssos, admin_user, unit, other_unit):
    _add_rows(12, unit, other_unit)

    def load(slug: str):
        # The access log is for administrators alone; every other report SSOS may read.
        client.force_login(admin_user if REPORTS[slug].admin_only else ssos)
        response = client.get(f"/reports/{slug}/", {**FILTERS, "unit": unit.pk})
        assert response.status_code == 200, slug
        return response

    return load


@pytest.mark.parametrize("slug", sorted(REPORTS))
def test_csv_from_the_page_holds_exactly_the_page(client, page_of, unit, slug):
    page = page_of(slug)
    table = page.context["result"].table
    href = _link(page.content.decode(), r"export\.csv")
    assert f"unit={unit.pk}" in href and "date_from=2026-03-01" in href

    export = client.get(href)

    assert export.status_code == 200
    lines = list(csv.reader(io.StringIO(
        b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert lines[0] == table.header
    assert lines[1:] == [[_as_csv(value) for value in row] for row in table.rows]


@pytest.mark.parametrize("slug", sorted(REPORTS))
def test_xlsx_from_the_page_holds_exactly_the_page(client, page_of, slug):
    page = page_of(slug)
    table = page.context["result"].table

    export = client.get(_link(page.content.decode(), r"export\.xlsx"))

    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == table.header
    assert len(rows) - 1 == len(table.rows)
    for got, want in zip(rows[1:], table.rows, strict=True):
        same = [_same_numbers(g, _as_xlsx(w)) for g, w in zip(got, want, strict=True)]
        assert all(same), (got, want)


def test_links_to_other_reports_keep_the_filters(page_of, unit):
    html = page_of("fees").content.decode()

    href = _link(html, r"/reports/backlog/")

    assert href.endswith(f"?date_from=2026-03-01&date_to=2026-06-30&unit={unit.pk}")


def test_during_the_first_count_the_export_says_so_instead_of_an_empty_file(
        client, ssos, unit):
    client.force_login(ssos)
    page = client.get("/reports/extensions/", FILTERS)
    assert "export.csv" not in page.content.decode()

    export = client.get("/reports/extensions/export.csv", FILTERS)

    assert export.status_code == 409
    assert "liczona" in export.content.decode()
    card_event_days_refresh()
    assert client.get("/reports/extensions/export.csv", FILTERS).status_code == 200
