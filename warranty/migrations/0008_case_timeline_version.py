"""The version of what the case page keeps rendered from a case's history
(Case.timeline_version, warranty.case_history), kept by the database.

Every write of the case row draws a new random version (a UUID), and so does every write
of a row the kept parts show: the case's history, comments, photos, e-mails and extension
attempts, its card's history (every case of the card), and a comment author's username.
Those writes touch their cases (`SET timeline_version = NULL`) and the case's own trigger
draws the value, whatever writes: the services, the admin, bulk SQL, the benchmark's seed.

Random, not counted: a value is never drawn twice, so nothing kept under one version can
be read for another, not after a rolled-back transaction, a restored database, or a test
database created afresh beside a cache that outlives it.

PostgreSQL: statement triggers with transition tables (a bulk write touches each of its
cases once; TRUNCATE touches every case), `ENABLE ALWAYS` so the bench seeder's replica
mode keeps them too. SQLite (the demo): row triggers; they live as long as the table is
not rebuilt, so a later migration that rebuilds one of these tables there must create them
again (tests/warranty/test_case_history.py changes each input on either database).
"""

from django.conf import settings
from django.db import migrations, models

# (table, how its rows name the cases they belong to: a column of theirs, a case column)
CASE_ROWS = [
    ("warranty_caseevent", "case_id", "id"),
    ("warranty_comment", "case_id", "id"),
    ("warranty_attachment", "case_id", "id"),
    ("warranty_notification", "case_id", "id"),
    ("warranty_extensionattempt", "case_id", "id"),
    ("cards_cardevent", "card_id", "card_id"),
]
TOUCH = "UPDATE warranty_case SET timeline_version = NULL"


def _postgres(user_table: str) -> list[str]:
    statements = [
        """CREATE FUNCTION warranty_case_timeline_version() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.timeline_version := gen_random_uuid();
            RETURN NEW;
        END $$""",
        """CREATE TRIGGER warranty_case_timeline_version BEFORE INSERT OR UPDATE
        ON warranty_case FOR EACH ROW EXECUTE FUNCTION warranty_case_timeline_version()""",
        "ALTER TABLE warranty_case ENABLE ALWAYS TRIGGER warranty_case_timeline_version",
    ]
    for table, column, case_column in CASE_ROWS:
        cases = f"WHERE {case_column} IN (SELECT {column} FROM {{rows}})"
        statements.append(f"""CREATE FUNCTION {table}_timeline() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                {TOUCH};
            ELSIF TG_OP = 'INSERT' THEN
                {TOUCH} {cases.format(rows="new_rows")};
            ELSIF TG_OP = 'DELETE' THEN
                {TOUCH} {cases.format(rows="old_rows")};
            ELSE
                {TOUCH} {cases.format(rows="(SELECT * FROM new_rows UNION ALL "
                                           "SELECT * FROM old_rows) AS moved")};
            END IF;
            RETURN NULL;
        END $$""")
        for event, when in [
            ("insert", "AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows"),
            ("update", "AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows "
                       "NEW TABLE AS new_rows"),
            ("delete", "AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows"),
            ("truncate", "AFTER TRUNCATE ON {table}"),
        ]:
            statements += [
                f"CREATE TRIGGER {table}_timeline_{event} {when.format(table=table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_timeline()",
                f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_timeline_{event}",
            ]
    statements += [
        f"""CREATE FUNCTION warranty_case_timeline_of_author() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            {TOUCH} WHERE id IN (SELECT case_id FROM warranty_comment WHERE author_id = NEW.id);
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER warranty_case_timeline AFTER UPDATE ON {user_table} FOR EACH ROW
        WHEN (OLD.username IS DISTINCT FROM NEW.username)
        EXECUTE FUNCTION warranty_case_timeline_of_author()""",
        f"ALTER TABLE {user_table} ENABLE ALWAYS TRIGGER warranty_case_timeline",
        TOUCH,  # every case present gets its first version
    ]
    return statements


def _postgres_backward(user_table: str) -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS warranty_case_timeline ON {user_table}",
                  "DROP FUNCTION IF EXISTS warranty_case_timeline_of_author()"]
    for table, _column, _case_column in CASE_ROWS:
        statements += [f"DROP TRIGGER IF EXISTS {table}_timeline_{event} ON {table}"
                       for event in ("insert", "update", "delete", "truncate")]
        statements.append(f"DROP FUNCTION IF EXISTS {table}_timeline()")
    return [*statements,
            "DROP TRIGGER IF EXISTS warranty_case_timeline_version ON warranty_case",
            "DROP FUNCTION IF EXISTS warranty_case_timeline_version()"]


# SQLite's triggers cannot change the row being written: they update it after (SQLite does
# not fire a trigger from its own statement, recursive triggers being off).
_DRAW = ("UPDATE warranty_case SET timeline_version = lower(hex(randomblob(16))) "
         "WHERE id = NEW.id")


def _sqlite(user_table: str) -> list[str]:
    statements = [
        f"CREATE TRIGGER warranty_case_timeline_version_insert AFTER INSERT ON warranty_case "
        f"BEGIN {_DRAW}; END",
        f"CREATE TRIGGER warranty_case_timeline_version_update AFTER UPDATE ON warranty_case "
        f"BEGIN {_DRAW}; END",
    ]
    for table, column, case_column in CASE_ROWS:
        statements += [
            f"CREATE TRIGGER {table}_timeline_insert AFTER INSERT ON {table} "
            f"BEGIN {TOUCH} WHERE {case_column} = NEW.{column}; END",
            f"CREATE TRIGGER {table}_timeline_update AFTER UPDATE ON {table} "
            f"BEGIN {TOUCH} WHERE {case_column} IN (OLD.{column}, NEW.{column}); END",
            f"CREATE TRIGGER {table}_timeline_delete AFTER DELETE ON {table} "
            f"BEGIN {TOUCH} WHERE {case_column} = OLD.{column}; END",
        ]
    return [
        *statements,
        f"CREATE TRIGGER warranty_case_timeline_of_author AFTER UPDATE OF username "
        f"ON {user_table} WHEN OLD.username IS NOT NEW.username BEGIN {TOUCH} "
        f"WHERE id IN (SELECT case_id FROM warranty_comment WHERE author_id = NEW.id); END",
        TOUCH,
    ]


def _sqlite_backward(_user_table: str) -> list[str]:
    names = ["warranty_case_timeline_version_insert", "warranty_case_timeline_version_update",
             "warranty_case_timeline_of_author"]
    names += [f"{table}_timeline_{event}" for table, _column, _case_column in CASE_ROWS
              for event in ("insert", "update", "delete")]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


def run(postgres, sqlite):
    def operation(apps, schema_editor):
        user_table = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
        build = {"postgresql": postgres, "sqlite": sqlite}.get(schema_editor.connection.vendor)
        for statement in build(user_table) if build else []:
            schema_editor.execute(statement)
    return operation


class Migration(migrations.Migration):

    dependencies = [
        ('cards', '0012_unit_text_order'),
        ('warranty', '0007_list_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # nullable without a default: SQLite adds the column in place (rebuilding the table
        # would drop its search-text and tally triggers)
        migrations.AddField(
            model_name='case',
            name='timeline_version',
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(run(_postgres, _sqlite), run(_postgres_backward, _sqlite_backward)),
    ]
