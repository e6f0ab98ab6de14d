"""Seed a large data set on PostgreSQL and measure every report page and the exports.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/legit_bench_reports \
        .venv/bin/python bench/reports/bench.py all --scale 1

`seed` empties the reports' tables in that database and generates (at --scale 1)
1,000,000 cards, 800,000 holders, ~2.1 million card history entries, 200,000 cases with
their assessments and payments, 60 reader devices and 500,000 reads, all inside
PostgreSQL (INSERT … SELECT generate_series), then VACUUM ANALYZE.
`measure` times each report page through the full Django stack (view, queries,
charts, template) as SSOS (whole university) and as a dean's office (one unit), and
`export` writes 200,000 rows through the background export job in a fresh process and
reports its peak resident memory. Results go to stdout as a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "legitymacje.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from cards.models import Unit  # noqa: E402
from cards.roles import Role  # noqa: E402
from reports.catalogue import REPORTS  # noqa: E402
from reports.rollups import card_event_days_refresh, card_event_days_refresh_recent  # noqa: E402

FULL = {"cards": 1_000_000, "holders": 800_000, "cases": 200_000, "reads": 500_000}
TABLES = ["cards_unit", "cards_holder", "cards_card", "cards_cardevent", "warranty_case",
          "warranty_assessment", "warranty_payment", "reader_bridge_readerdevice",
          "reader_bridge_cardread", "reports_exportjob", "reports_cardeventday"]


# Indexes that back no constraint (primary and unique keys stay during the load).
SECONDARY_INDEXES = """
    SELECT i.relname, pg_get_indexdef(i.oid)
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    WHERE t.relname = ANY(%s)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
"""


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")


# The triggers of these tables that fire in the normal (origin) mode, not foreign keys'.
USER_TRIGGERS = """
    SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE c.relname = ANY(%s) AND NOT t.tgisinternal AND t.tgenabled = 'O'
"""

# The secondary indexes dropped for a load, until each is built again: committed with the
# data, so that a run stopped during the builds loses none (the next one builds them too).
PENDING_INDEXES = "bench_seed_pending_index"
BUILDERS = 2  # connections building indexes at once: a GIN build uses one core only
BUILD_MEMORY = "1GB"  # maintenance_work_mem per build: GIN and btree sorts stay in memory


def _run_on_connections(statements: list[str], before: tuple[str, ...] = ()) -> None:
    """Run `statements` on BUILDERS connections of their own, each statement in its own
    transaction, in the given order; the first error stops the rest and is raised."""
    queue, errors = list(reversed(statements)), []
    lock = threading.Lock()

    def builder() -> None:
        try:
            with connections["default"].cursor() as cursor:
                for setting in before:
                    cursor.execute(setting)
                while True:
                    with lock:
                        if not queue or errors:
                            return
                        statement = queue.pop()
                    cursor.execute(statement)
        except Exception as exc:  # noqa: BLE001 -- reported by the caller's thread
            errors.append(exc)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=builder) for _ in range(BUILDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def seed(scale: float, extra_scripts: tuple[Path, ...] = (), extra_tables: tuple[str, ...] = (),
         rollups: bool = True) -> None:
    """Load seed.sql, then `extra_scripts` (same placeholders), with the secondary indexes
    of TABLES and `extra_tables` dropped during the load and rebuilt after it."""
    _require_postgres()
    sizes = {name: max(1, int(count * scale)) for name, count in FULL.items()}
    sizes["units"] = 20
    print(f"seeding {sizes}", flush=True)
    scripts = (ROOT / "bench" / "reports" / "seed.sql", *extra_scripts)
    statements = ";\n".join(script.read_text() for script in scripts) % sizes
    tables = [*TABLES, *extra_tables]
    started = time.perf_counter()
    # One transaction for the load: a failed one leaves the database as it was.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {PENDING_INDEXES} "
                       "(name text PRIMARY KEY, definition text NOT NULL)")
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        # Building an index once after the load is much faster than row by row.
        cursor.execute(SECONDARY_INDEXES, [tables])
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute(f"INSERT INTO {PENDING_INDEXES} VALUES (%s, %s)", [name, definition])
        # The rows are consistent by construction: no per-row foreign key triggers. The
        # tables' own triggers (the search text of cards and cases) still fire: set to
        # fire in replica mode too for the load, as they were after it.
        cursor.execute(USER_TRIGGERS, [tables])
        triggers = cursor.fetchall()
        for table, trigger in triggers:
            cursor.execute(f'ALTER TABLE "{table}" ENABLE ALWAYS TRIGGER "{trigger}"')
        cursor.execute("SET LOCAL session_replication_role = replica")
        for statement in statements.split(";\n"):
            code = "\n".join(line for line in statement.splitlines()
                             if not line.startswith("--")).strip()
            if not code:
                continue
            step = time.perf_counter()
            cursor.execute(code)
            print(f"  {time.perf_counter() - step:6.1f} s  {code.splitlines()[0][:70]}",
                  flush=True)
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        for table, trigger in triggers:
            cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{trigger}"')
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, definition FROM {PENDING_INDEXES}")
        pending = cursor.fetchall()
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        every_table = [name for (name,) in cursor.fetchall()]
    connection.close()
    step = time.perf_counter()
    # The GIN (trigram) builds first: the longest, each on one core, while the other
    # connection works through the btrees.
    pending.sort(key=lambda index: " USING gin " not in index[1])
    _run_on_connections(
        [f"{definition}; DELETE FROM {PENDING_INDEXES} WHERE name = '{name}'"
         for name, definition in pending],
        before=(f"SET maintenance_work_mem = '{BUILD_MEMORY}'", "SET synchronous_commit = off"))
    print(f"  {time.perf_counter() - step:6.1f} s  {len(pending)} indexes rebuilt", flush=True)
    with connection.cursor() as cursor:  # every index is back
        cursor.execute(f"DROP TABLE {PENDING_INDEXES}")
    every_table.remove(PENDING_INDEXES)
    step = time.perf_counter()
    # Index-only scans need the visibility map that VACUUM sets; ANALYZE for the plans.
    _run_on_connections([f'VACUUM ANALYZE "{name}"' for name in every_table])
    print(f"  {time.perf_counter() - step:6.1f} s  VACUUM ANALYZE", flush=True)
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    if not rollups:
        return
    step = time.perf_counter()
    card_event_days_refresh()
    print(f"card history rollup, full recount: {time.perf_counter() - step:.1f} s", flush=True)
    step = time.perf_counter()
    card_event_days_refresh_recent()
    print(f"card history rollup, last two days: {time.perf_counter() - step:.1f} s", flush=True)


def _users() -> tuple[User, User]:
    ssos, _ = User.objects.get_or_create(username="bench-ssos")
    ssos.groups.add(Group.objects.get_or_create(name=Role.SSOS)[0])
    deans, _ = User.objects.get_or_create(username="bench-dziekanat")
    deans.groups.add(Group.objects.get_or_create(name=Role.DEANS_OFFICE)[0])
    deans.units.set([Unit.objects.order_by("pk").first()])
    return ssos, deans


def _time_page(client: Client, url: str, query: dict, runs: int) -> tuple[float, int]:
    client.get(url, query)  # warm caches and the plan
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, query)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), response.status_code


def measure(runs: int, only: list[str] | None = None) -> None:
    _require_postgres()
    today = timezone.localdate()
    ranges = {
        "12 months": {"date_from": (today - dt.timedelta(days=365)).isoformat(),
                      "date_to": today.isoformat()},
        "3 years": {"date_from": (today - dt.timedelta(days=3 * 365)).isoformat(),
                    "date_to": today.isoformat()},
    }
    clients = {}
    for label, user in zip(("SSOS", "dean's office"), _users(), strict=True):
        clients[label] = Client()
        clients[label].force_login(user)
    print(f"\n| report | {' | '.join(f'{who}, {span}' for who in clients for span in ranges)} |")
    print("|---" * (1 + len(clients) * len(ranges)) + "|")
    for slug in only or REPORTS:
        cells = []
        for client in clients.values():
            for query in ranges.values():
                seconds, status = _time_page(client, f"/reports/{slug}/", query, runs)
                cells.append(f"{seconds * 1000:.0f} ms" + ("" if status == 200 else f" ({status})"))
        print(f"| {slug} | {' | '.join(cells)} |", flush=True)


def export_in_this_process(dataset: str, file_format: str) -> None:
    """Run one export job and print its rows, seconds and peak resident memory."""
    from reports.filters import ReportFilters
    from reports.models import ExportJob
    from reports.services import export_job_run

    ssos, _ = _users()
    today = timezone.localdate()
    # All cases (200,000 at full scale); cards issued in the last 438 days (~200,000 of the
    # 1,000,000 spread over six years).
    since = dt.date(2000, 1, 1) if dataset == "cases" else today - dt.timedelta(days=438)
    filters = ReportFilters(date_from=since, date_to=today)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    job = ExportJob.objects.create(owner=ssos, dataset=dataset, file_format=file_format,
                                   filters=filters.as_query())
    started = time.perf_counter()
    export_job_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"| {dataset} | {file_format} | {job.status} | {job.rows_written} | {seconds:.1f} s "
          f"| {before / 1024:.0f} MB | {peak / 1024:.0f} MB |", flush=True)
    job.file.delete()
    job.delete()


def export() -> None:
    _require_postgres()
    print("\n| export | format | status | rows | time | RSS before | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for dataset in ("cases", "cards"):
        for file_format in ("csv", "xlsx"):
            subprocess.run([sys.executable, __file__, "export-one", dataset, file_format],
                           check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["seed", "measure", "export", "export-one", "all"])
    parser.add_argument("args", nargs="*")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the full data set (1 = 1,000,000 cards)")
    parser.add_argument("--runs", type=int, default=3, help="timed requests per page")
    parser.add_argument("--reports", default="", help="comma-separated report slugs to time")
    options = parser.parse_args()
    if options.command in ("seed", "all"):
        seed(options.scale)
    if options.command in ("measure", "all"):
        measure(options.runs, [slug for slug in options.reports.split(",") if slug])
    if options.command in ("export", "all"):
        export()
    if options.command == "export-one":
        export_in_this_process(*options.args)


if __name__ == "__main__":
    main()
