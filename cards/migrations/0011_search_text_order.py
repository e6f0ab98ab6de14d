"""Indexes in the order of the cards' stored search text (surname first), for the card
list (cards/card_list.py): its page without a search, every card's or each of a dean's
office's units' (merged), and its search over the cap for number fragments walk them,
reading only the index (with the columns they filter on), and stop at the page. Byte
order (COLLATE "C"): the folded text is ASCII, so it sorts as the column does. Built
concurrently, so cards can be written meanwhile; PostgreSQL only (SQLite sorts).
"""

from django.db import migrations

INDEXES = {
    "card_search_text_order":
        '(search_text COLLATE "C", id) INCLUDE (serving_unit_id, holder_id, state)',
    "card_unit_search_text_order": '(serving_unit_id, search_text COLLATE "C", id) INCLUDE (state)',
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, columns in INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON cards_card {columns}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('cards', '0010_list_indexes'),
    ]

    operations = [migrations.RunPython(create, drop)]
