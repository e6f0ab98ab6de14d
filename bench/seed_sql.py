"""The benchmarks' SQL data set (bench/reports/seed.sql, bench/pages/history.sql): its
statements with the sizes filled in, and the load that runs them with the tables' indexes
and per-row triggers out of the way. Used by the seeders (bench/reports/bench.py, which
rebuilds the indexes after) and by the tests that seed the same data at a small size."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS_SCRIPT = ROOT / "bench" / "reports" / "seed.sql"
PAGES_SCRIPT = ROOT / "bench" / "pages" / "history.sql"

# The indexes dropped for a load and built again after it: every one but the primary keys
# (kept: their rows come in key order) and those a foreign key depends on, unique
# constraints included (attached to their rebuilt index again).
LOAD_INDEXES = """
    SELECT i.relname, pg_get_indexdef(i.oid), t.relname, c.oid IS NOT NULL
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
    WHERE t.relname = ANY(%s) AND NOT x.indisprimary
      AND (c.oid IS NULL OR (c.contype = 'u' AND NOT c.condeferrable))
      AND NOT EXISTS (SELECT 1 FROM pg_constraint f
                      WHERE f.contype = 'f' AND f.conindid = x.indexrelid)
"""

# The indexes dropped for a load, until each is built again (and its unique constraint
# attached): committed with the data, so that a run stopped during the builds loses none
# (the next one builds them too).
PENDING_INDEXES = "bench_seed_pending_index"


def statements(scripts: Iterable[Path], sizes: Mapping[str, int]) -> list[str]:
    """Each statement of `scripts`, in order, with the %(name)s placeholders filled."""
    text = ";\n".join(script.read_text() for script in scripts) % sizes
    found = []
    for statement in text.split(";\n"):
        code = "\n".join(line for line in statement.splitlines()
                         if not line.startswith("--")).strip()
        if code:
            found.append(code)
    return found


def _run(label: str, step: Callable[[], object]) -> None:
    step()


def prepare(cursor, tables: list[str]) -> None:
    """Empty `tables` and drop their indexes for a load, noted in PENDING_INDEXES."""
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {PENDING_INDEXES} (name text PRIMARY KEY, "
                   "definition text NOT NULL, table_name text NOT NULL, "
                   "is_constraint boolean NOT NULL, built boolean NOT NULL DEFAULT false)")
    cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    # Building an index once after the load is much faster than row by row.
    cursor.execute(LOAD_INDEXES, [tables])
    for name, definition, table, is_constraint in cursor.fetchall():
        if is_constraint:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        else:
            cursor.execute(f'DROP INDEX "{name}"')
        # a unique index left unattached by a stopped run is dropped as a plain one
        cursor.execute(f"INSERT INTO {PENDING_INDEXES} VALUES (%s, %s, %s, %s) "
                       "ON CONFLICT (name) DO UPDATE SET built = false",
                       [name, definition, table, is_constraint])


def load(cursor, statements: list[str], run=_run) -> None:
    """Run `statements` in the transaction open on `cursor` without per-row triggers: no
    foreign-key checks (the rows are consistent by construction) and no search-text
    triggers (seed.sql writes the same text, tests/perf/test_seed_search_text.py); the
    tallies' statement triggers fire (`ENABLE ALWAYS`), one per statement. `run(label,
    step)` runs each statement (the seeder times it)."""
    cursor.execute("SET LOCAL synchronous_commit = off")
    cursor.execute("SET LOCAL session_replication_role = replica")
    for code in statements:
        run(code.splitlines()[0], lambda code=code: cursor.execute(code))
    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
