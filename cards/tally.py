"""How many rows of a table are in each unit and state, kept by the database itself.

The dashboards and queues show these numbers on every page; counting the rows each time
grows with the university (every open case, every card). A tally table holds the count
per (unit, state) instead, written by triggers on the counted table in the same
transaction as the row: whoever writes (services, the admin, bulk steps, the demo loader,
the benchmark's SQL seeding, test factories) cannot leave it behind, and a rolled-back
move rolls its count back too. The triggers fire even with `session_replication_role =
replica` (the bench seeder's setting).

The triggers only append rows of +n/-n, never update one: concurrent moves in the same
unit and state neither wait for each other nor deadlock. `fold` (a periodic task) sums
them into one row per (unit, state); a count is the sum of a unit's rows whenever read.
"""

from __future__ import annotations

from django.db import connection, migrations, models, transaction
from django.db.models import Sum


class UnitStateTally(models.Model):
    """One +n/-n entry for the rows of a table in a unit and state (see the module)."""

    unit_id = models.IntegerField()
    state = models.CharField(max_length=30)
    n = models.BigIntegerField()

    class Meta:
        abstract = True


# PostgreSQL: one statement-level trigger per event, with the statement's rows as
# transition tables, so a bulk INSERT or UPDATE writes one entry per unit and state.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION {tally}_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM {tally};
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO {tally} (unit_id, state, n)
    SELECT {unit}, state, count(*) FROM new_rows GROUP BY 1, 2;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO {tally} (unit_id, state, n)
    SELECT {unit}, state, -count(*) FROM old_rows GROUP BY 1, 2;
  ELSE
    INSERT INTO {tally} (unit_id, state, n)
    SELECT unit_id, state, sum(n) FROM (
      SELECT {unit} AS unit_id, state, 1 AS n FROM new_rows
      UNION ALL SELECT {unit}, state, -1 FROM old_rows) AS moved
    GROUP BY 1, 2 HAVING sum(n) <> 0;
  END IF;
  RETURN NULL;
END $$;
"""
_PG_TRIGGERS = [
    ("insert", "AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows"),
    ("update", "AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("delete", "AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows"),
    ("truncate", "AFTER TRUNCATE ON {table}"),
]
# SQLite (development): row triggers.
_SQLITE_TRIGGERS = [
    ("insert", "AFTER INSERT ON {table} BEGIN INSERT INTO {tally} (unit_id, state, n) "
               "VALUES (NEW.{unit}, NEW.state, 1); END"),
    ("update", "AFTER UPDATE OF state, {unit} ON {table} "
               "WHEN OLD.state IS NOT NEW.state OR OLD.{unit} IS NOT NEW.{unit} "
               "BEGIN INSERT INTO {tally} (unit_id, state, n) "
               "VALUES (OLD.{unit}, OLD.state, -1), (NEW.{unit}, NEW.state, 1); END"),
    ("delete", "AFTER DELETE ON {table} BEGIN INSERT INTO {tally} (unit_id, state, n) "
               "VALUES (OLD.{unit}, OLD.state, -1); END"),
]


def install(schema_editor, *, table: str, unit: str, tally: str) -> None:
    """Create the triggers on `table` and count its present rows into `tally` (a
    migration step; the table is locked against writes meanwhile)."""
    names = {"table": table, "unit": unit, "tally": tally}
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        execute(_PG_FUNCTION.format(**names))
        for event, when in _PG_TRIGGERS:
            execute(f"CREATE TRIGGER {tally}_{event} {when.format(**names)} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {tally}_keep()")
            execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {tally}_{event}")
    elif schema_editor.connection.vendor == "sqlite":
        for event, body in _SQLITE_TRIGGERS:
            execute(f"CREATE TRIGGER {tally}_{event} {body.format(**names)}")
    # names from the migrations, never from input
    execute(f"DELETE FROM {tally}")  # noqa: S608
    execute(f"INSERT INTO {tally} (unit_id, state, n) "  # noqa: S608
            f"SELECT {unit}, state, count(*) FROM {table} GROUP BY 1, 2")


def uninstall(schema_editor, *, table: str, unit: str, tally: str) -> None:
    events = [event for event, _when in _PG_TRIGGERS]
    for event in events:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {tally}_{event} ON {table}")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {tally}_{event}")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {tally}_keep()")


def fold(model: type[UnitStateTally]) -> None:
    """Sum the entries into one row per unit and state. Exact while moves go on: the
    DELETE takes only the entries its snapshot sees (committed ones), and a concurrent
    fold skips those the first one took."""
    table = model._meta.db_table
    insert = f"INSERT INTO {table} (unit_id, state, n)"  # noqa: S608 (the model's table)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            taken = f"DELETE FROM {table} RETURNING unit_id, state, n"  # noqa: S608
            cursor.execute(f"WITH taken AS ({taken}) {insert} SELECT unit_id, state, sum(n) "  # noqa: S608
                           f"FROM taken GROUP BY 1, 2 HAVING sum(n) <> 0")
            return
        # SQLite serialises writers: read, then replace, in one transaction.
        rows = list(model.objects.values_list("unit_id", "state").annotate(total=Sum("n"))
                    .exclude(total=0).order_by())
        model.objects.all().delete()
        cursor.executemany(f"{insert} VALUES (%s, %s, %s)", rows)


def counts_by_state(model: type[UnitStateTally], *, states, unit_ids=None) -> dict[str, int]:
    """Rows per state in `states`, in the units `unit_ids` (None: every unit). Written as
    SQL: through the ORM the dashboard's card counts cost ~0.4 ms of CPU to build and
    compile, several times what the database spends summing a few rows."""
    conditions = [("state", sorted(states))]
    if unit_ids is not None:
        conditions.append(("unit_id", sorted(unit_ids)))
    if not all(values for _column, values in conditions):
        return {}  # as the ORM: no query for an empty IN
    where = " AND ".join(f"{column} IN ({', '.join(['%s'] * len(values))})"
                         for column, values in conditions)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT state, SUM(n) FROM {model._meta.db_table} "  # noqa: S608
                       f"WHERE {where} GROUP BY state",  # the model's table, placeholders
                       [value for _column, values in conditions for value in values])
        return {state: int(total) for state, total in cursor.fetchall() if total}


def migration_step(*, table: str, unit: str, tally: str) -> migrations.RunPython:
    """The migration operation that installs (and on reverse removes) the triggers."""
    names = {"table": table, "unit": unit, "tally": tally}
    return migrations.RunPython(lambda _apps, editor: install(editor, **names),
                                lambda _apps, editor: uninstall(editor, **names))


def fold_every_tally() -> None:
    """Fold each tally of the project (every concrete `UnitStateTally`)."""
    from django.apps import apps

    for model in apps.get_models():
        if issubclass(model, UnitStateTally):
            fold(model)
