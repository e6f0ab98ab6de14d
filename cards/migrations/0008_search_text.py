"""The search's folded text stored on holders and cards (cards/search.py), with trigram
indexes on those columns instead of on expressions: a search is one index scan of the
table listed, whose recheck compares a stored value instead of folding every candidate
row again, and the card list sorts the cards found by their own text.

A holder's text is a generated column. A card's (its holder's text, then its number and
chip serial) is kept by triggers: computed again whenever the card is written (by the
services, the admin, a bulk step or the benchmark's seed), and for a holder's cards when
the holder's text changes. On SQLite (the demo) the same triggers in its dialect, no
index; they live as long as the table is not rebuilt, so a later migration that rebuilds
cards_card there must create them again (tests/perf/test_search.py renames a holder).
"""

from django.db import migrations, models

import cards.folding

CARD_TEXT = """(SELECT search_text FROM cards_holder WHERE id = {card}.holder_id)
    || ' ' || search_fold({card}.number, {card}.chip_serial)"""

POSTGRES = f"""
DROP INDEX IF EXISTS holder_search_trgm;
DROP INDEX IF EXISTS card_search_trgm;

CREATE FUNCTION cards_card_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := {CARD_TEXT.format(card="NEW")};
    RETURN NEW;
END $$;
CREATE TRIGGER cards_card_search_text BEFORE INSERT OR UPDATE ON cards_card
    FOR EACH ROW EXECUTE FUNCTION cards_card_search_text();

CREATE FUNCTION cards_card_search_text_of_holder() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cards_card SET search_text = '' WHERE holder_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER cards_card_search_text AFTER UPDATE ON cards_holder FOR EACH ROW
    WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text)
    EXECUTE FUNCTION cards_card_search_text_of_holder();

UPDATE cards_card SET search_text = '';

CREATE INDEX holder_search_text_trgm ON cards_holder USING gin (search_text gin_trgm_ops);
CREATE INDEX card_search_text_trgm ON cards_card USING gin (search_text gin_trgm_ops);
"""
POSTGRES_BACKWARD = """
DROP INDEX IF EXISTS card_search_text_trgm;
DROP INDEX IF EXISTS holder_search_text_trgm;
DROP TRIGGER IF EXISTS cards_card_search_text ON cards_holder;
DROP TRIGGER IF EXISTS cards_card_search_text ON cards_card;
DROP FUNCTION IF EXISTS cards_card_search_text_of_holder();
DROP FUNCTION IF EXISTS cards_card_search_text();
CREATE INDEX holder_search_trgm ON cards_holder
    USING gin (search_fold(first_name, last_name, album_number, employee_number) gin_trgm_ops);
CREATE INDEX card_search_trgm ON cards_card
    USING gin (search_fold(number, chip_serial) gin_trgm_ops);
"""

# SQLite's triggers cannot change the row being written: they update it after.
_SET_TEXT = f"UPDATE cards_card SET search_text = {CARD_TEXT.format(card='cards_card')}"
SQLITE = [
    f"""CREATE TRIGGER cards_card_search_text_insert AFTER INSERT ON cards_card
    BEGIN {_SET_TEXT} WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER cards_card_search_text_update
    AFTER UPDATE OF number, chip_serial, holder_id, search_text ON cards_card
    BEGIN {_SET_TEXT} WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER cards_card_search_text_of_holder
    AFTER UPDATE OF first_name, last_name, album_number, employee_number ON cards_holder
    BEGIN {_SET_TEXT} WHERE holder_id = NEW.id; END""",
    _SET_TEXT,
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS cards_card_search_text_{name}"
                   for name in ("insert", "update", "of_holder")]


def run(postgres, sqlite):
    def operation(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for statement in {"postgresql": [postgres], "sqlite": sqlite}.get(vendor, []):
            schema_editor.execute(statement)
    return operation


class Migration(migrations.Migration):

    dependencies = [
        ('cards', '0007_signing_certificate_registry'),
    ]

    operations = [
        migrations.AddField(
            model_name='holder',
            name='search_text',
            field=models.GeneratedField(db_persist=True, expression=cards.folding.SearchFold('last_name', 'first_name', 'album_number', 'employee_number'), output_field=models.TextField()),
        ),
        migrations.AddField(
            model_name='card',
            name='search_text',
            field=models.TextField(default='', editable=False),
        ),
        migrations.RunPython(run(POSTGRES, SQLITE), run(POSTGRES_BACKWARD, SQLITE_BACKWARD)),
    ]
