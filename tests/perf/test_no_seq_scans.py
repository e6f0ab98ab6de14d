"""No staff page reads a big table (cases, cards, holders, their histories) end to end.

The benchmark's own data set (bench/reports/seed.sql + bench/pages/history.sql) is seeded
at a size CI can afford, then every query of every staff page runs under
`EXPLAIN ANALYZE` with `enable_seqscan` off: at this size a sequential scan is the cheap
choice, at a university's size the slow one. Searches also run with `enable_indexscan`
(and `enable_indexonlyscan`) off: at this size the planner walks the primary key and
filters rather than use the trigram index, which it takes from a few thousand rows on.
No scan may read more than half of a big table's rows: that is what grows with the
university instead of the unit (a dean's office count over every case, a search over
every holder).
"""

from __future__ import annotations

import json

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.seed_sql import PAGES_SCRIPT, REPORTS_SCRIPT, statements
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SIZES = {"cards": 3000, "holders": 2400, "cases": 600, "reads": 500, "units": 20}
BIG_TABLES = {"warranty_case", "cards_card", "cards_holder", "cards_cardevent",
              "warranty_caseevent"}


@pytest.fixture
def seeded():
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cards_unit, cards_holder RESTART IDENTITY CASCADE")
        for code in statements([REPORTS_SCRIPT, PAGES_SCRIPT], SIZES):
            cursor.execute(code)
        cursor.execute("ANALYZE")


def _table_sizes() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)",
                       [sorted(BIG_TABLES)])
        return {name: int(rows) for name, rows in cursor.fetchall()}


def _whole_table_reads(sql: str, sizes: dict[str, int], disabled: list[str]) -> list[str]:
    """Scans that read (return or filter out) more than half of a big table's rows: a
    sequential scan, or an index walked from end to end."""
    with connection.cursor() as cursor:
        for setting in disabled:
            cursor.execute(f"SET {setting} = off")
        try:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
        finally:
            for setting in disabled:
                cursor.execute(f"RESET {setting}")
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found, nodes = [], [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        table = node.get("Relation Name")
        if table in BIG_TABLES:
            loops = node.get("Actual Loops", 1)
            read = loops * (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
                            + node.get("Rows Removed by Index Recheck", 0))
            if read > sizes[table] / 2:
                found.append(f"{node['Node Type']} on {table}: {read} of {sizes[table]} rows")
        nodes += node.get("Plans", [])
    return found


def _case_in_unit_one() -> int:
    from warranty.models import Case

    return Case.objects.filter(unit_id=1).order_by("pk").values_list("pk", flat=True)[0]


@pytest.mark.parametrize(("role", "url"), [
    ("dziekanat", "/"), ("ssos", "/"), ("usos", "/"), ("admin", "/"),
    ("dziekanat", "/cases/"), ("dziekanat", "/cases/?queue=unit_payment_due"),
    ("ssos", "/cases/?queue=to_assess"), ("usos", "/cases/?queue=escalations"),
    ("admin", "/cases/?overdue=on"), ("dziekanat", "/cases/?q=dabrowska"),
    ("ssos", "/cases/?q=dabrowska"), ("ssos", "/cases/?q=00074"),
    ("ssos", "/cards/?q=zak"), ("dziekanat", "/cards/?q=00074"),
    ("ssos", "/cases/?q=za"), ("ssos", "/cards/?q=dabrowska+an"),  # short words
    ("dziekanat", "/cards/?state=awaiting_hologram"),
    ("ssos", "/cards/"),
    ("admin", "/cards/?state=awaiting_hologram"), ("ssos", "/cases/?state=payment_due"),
    ("dziekanat", "/cases/{case}/"),
])
def test_staff_pages_use_indexes(seeded, client, role, url):
    if role == "admin":
        user = UserFactory(is_superuser=True, is_staff=True)
    else:
        user = UserFactory(roles=[role], units=[1] if role == "dziekanat" else [])
    client.force_login(user)
    url = url.format(case=_case_in_unit_one()) if "{case}" in url else url
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    selects = [q["sql"] for q in captured.captured_queries
               if q["sql"].lstrip("( ").upper().startswith("SELECT")]
    assert selects
    sizes = _table_sizes()
    # a search also without index-only paths: an index that holds the searched column
    # would be read whole as a bitmap, cheaper than the trigram index at this size only
    searching = ["enable_seqscan", "enable_indexscan", "enable_indexonlyscan"]
    disabled = searching if "q=" in url else ["enable_seqscan"]
    scans = {sql: found for sql in selects
             if (found := _whole_table_reads(sql, sizes, disabled))}
    assert not scans, json.dumps(scans, indent=1)
