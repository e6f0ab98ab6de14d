"""The benchmark seeder loads without the search-text triggers (replica mode, one trigger
call per row less); seed.sql writes the same text itself. If the two drift apart, the
benchmark's searches measure rows the application would never have written."""

from __future__ import annotations

import pytest

from django.db import connection

from bench.seed_sql import PAGES_SCRIPT, REPORTS_SCRIPT, load, prepare, statements

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SIZES = {"cards": 2000, "holders": 1600, "cases": 400, "reads": 100, "units": 20}
TABLES = ["cards_unit", "cards_holder", "cards_card", "cards_cardevent", "warranty_case",
          "warranty_assessment", "warranty_payment", "reader_bridge_readerdevice",
          "reader_bridge_cardread", "warranty_caseevent"]
TEXTS = """SELECT 'card', id, search_text FROM cards_card
           UNION ALL SELECT 'case', id, search_text FROM warranty_case"""


def test_the_seeded_search_text_is_what_the_triggers_write():
    with connection.cursor() as cursor:
        prepare(cursor, TABLES)
        load(cursor, statements([REPORTS_SCRIPT, PAGES_SCRIPT], SIZES))
        cursor.execute(TEXTS)
        seeded = {(table, pk): text for table, pk, text in cursor.fetchall()}
        # Any write makes the triggers compute the text again (cases after their cards).
        cursor.execute("UPDATE cards_card SET search_text = ''")
        cursor.execute("UPDATE warranty_case SET search_text = ''")
        cursor.execute(TEXTS)
        by_triggers = {(table, pk): text for table, pk, text in cursor.fetchall()}

    assert len(seeded) == SIZES["cards"] + SIZES["cases"]
    assert all(seeded.values())
    assert seeded == by_triggers
