"""The search's folding function and its trigram indexes (see cards/search.py).

PostgreSQL only: SQLite gets `search_fold` from Python when it connects and searches
without an index."""

from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- unaccent() is only STABLE (its dictionary could change), and an index expression must be
-- IMMUTABLE. The same C function declared IMMUTABLE with the dictionary named makes the
-- SQL wrappers below inlinable: a few times faster than calling unaccent() per row.
CREATE OR REPLACE FUNCTION search_unaccent(regdictionary, text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS '$libdir/unaccent', 'unaccent_dict';
CREATE OR REPLACE FUNCTION search_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN lower(search_unaccent('public.unaccent'::regdictionary, $1));
CREATE OR REPLACE FUNCTION search_fold(text, text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN search_fold($1 || ' ' || $2);
CREATE OR REPLACE FUNCTION search_fold(text, text, text, text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN search_fold($1 || ' ' || $2 || ' ' || $3 || ' ' || $4);
CREATE INDEX holder_search_trgm ON cards_holder
    USING gin (search_fold(first_name, last_name, album_number, employee_number) gin_trgm_ops);
CREATE INDEX card_search_trgm ON cards_card
    USING gin (search_fold(number, chip_serial) gin_trgm_ops);
"""
BACKWARD = """
DROP INDEX IF EXISTS card_search_trgm;
DROP INDEX IF EXISTS holder_search_trgm;
DROP FUNCTION IF EXISTS search_fold(text, text, text, text);
DROP FUNCTION IF EXISTS search_fold(text, text);
DROP FUNCTION IF EXISTS search_fold(text);
DROP FUNCTION IF EXISTS search_unaccent(regdictionary, text);
"""


def on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("cards", "0004_hologram")]
    operations = [migrations.RunPython(on_postgres(FORWARD), on_postgres(BACKWARD))]
