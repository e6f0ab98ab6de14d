"""The queue search's text on the case itself (Case.search_text), kept by triggers.

Whatever writes a case (services, admin, a bulk step, the benchmark's seed), its text is
computed again from the case number and its card's stored search text, which holds the
holder's (cards.0008); a change to a card's text (its number, chip serial or holder's
names and numbers) recomputes the text of its cases. Trigram indexes over the open cases (the
queues) and over every case (a search in closed states, the API).

On SQLite (the demo) the same triggers in its dialect, no index; they live as long as
the table is not rebuilt, so a later migration that rebuilds warranty_case there must
create them again (tests/perf/test_search.py renames a holder on either database).
"""

from django.db import migrations, models

CLOSED = "('cancelled', 'card_returned', 'converted', 'handed_over', 'resolved')"
CASE_TEXT = """search_fold({case}.number)
    || ' ' || (SELECT search_text FROM cards_card WHERE id = {case}.card_id)"""

POSTGRES = f"""
CREATE FUNCTION warranty_case_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := {CASE_TEXT.format(case="NEW")};
    RETURN NEW;
END $$;
CREATE TRIGGER warranty_case_search_text BEFORE INSERT OR UPDATE ON warranty_case
    FOR EACH ROW EXECUTE FUNCTION warranty_case_search_text();

CREATE FUNCTION warranty_case_search_text_of_card() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE warranty_case SET search_text = '' WHERE card_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER warranty_case_search_text AFTER UPDATE ON cards_card FOR EACH ROW
    WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text)
    EXECUTE FUNCTION warranty_case_search_text_of_card();

UPDATE warranty_case SET search_text = '';

DROP INDEX IF EXISTS case_search_trgm;
CREATE INDEX case_search_text_trgm ON warranty_case USING gin (search_text gin_trgm_ops);
CREATE INDEX case_open_search_text_trgm ON warranty_case USING gin (search_text gin_trgm_ops)
    WHERE NOT (state IN {CLOSED});
"""
POSTGRES_BACKWARD = """
DROP INDEX IF EXISTS case_open_search_text_trgm;
DROP INDEX IF EXISTS case_search_text_trgm;
CREATE INDEX case_search_trgm ON warranty_case USING gin (search_fold(number) gin_trgm_ops);
DROP TRIGGER IF EXISTS warranty_case_search_text ON cards_card;
DROP TRIGGER IF EXISTS warranty_case_search_text ON warranty_case;
DROP FUNCTION IF EXISTS warranty_case_search_text_of_card();
DROP FUNCTION IF EXISTS warranty_case_search_text();
"""

# SQLite's triggers cannot change the row being written: they update it after.
_SET_TEXT = f"UPDATE warranty_case SET search_text = {CASE_TEXT.format(case='warranty_case')}"
SQLITE = [
    f"""CREATE TRIGGER warranty_case_search_text_insert AFTER INSERT ON warranty_case
    BEGIN {_SET_TEXT} WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER warranty_case_search_text_update
    AFTER UPDATE OF number, card_id, search_text ON warranty_case
    BEGIN {_SET_TEXT} WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER warranty_case_search_text_of_card
    AFTER UPDATE OF search_text ON cards_card
    BEGIN {_SET_TEXT} WHERE card_id = NEW.id; END""",
    _SET_TEXT,
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS warranty_case_search_text_{name}"
                   for name in ("insert", "update", "of_card")]


def run(postgres, sqlite):
    def operation(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        statements = {"postgresql": [postgres], "sqlite": sqlite}.get(vendor, [])
        for statement in statements:
            schema_editor.execute(statement)
    return operation


class Migration(migrations.Migration):

    dependencies = [
        ('cards', '0008_search_text'),
        ('warranty', '0003_queue_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='search_text',
            field=models.TextField(default='', editable=False),
        ),
        migrations.RunPython(run(POSTGRES, SQLITE), run(POSTGRES_BACKWARD, SQLITE_BACKWARD)),
    ]
