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
from contextlib import contextmanager
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

from bench.seed_sql import PENDING_INDEXES, REPORTS_SCRIPT, load, prepare, statements  # noqa: E402
from cards.models import Unit  # noqa: E402
from cards.roles import Role  # noqa: E402
from reports.catalogue import REPORTS  # noqa: E402
from reports.rollups import card_event_days_refresh, card_event_days_refresh_recent  # noqa: E402

FULL = {"cards": 1_000_000, "holders": 800_000, "cases": 200_000, "reads": 500_000}
TABLES = ["cards_unit", "cards_holder", "cards_card", "cards_cardevent", "warranty_case",
          "warranty_assessment", "warranty_payment", "reader_bridge_readerdevice",
          "reader_bridge_cardread", "reports_exportjob", "reports_cardeventday"]


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")


BUILDERS = 2  # connections building indexes at once: a GIN build uses one core only
BUILD_MEMORY = "1GB"  # maintenance_work_mem per build: GIN and btree sorts stay in memory


class Phases:
    """Wall time per phase of a seed (load, indexes, vacuum) and of each step in it,
    printed as each step ends; the phases summed at the end."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.seconds: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str):
        started = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - started

    @staticmethod
    def step(label: str, run) -> None:
        """Run one step; print its time unless it took no time worth reading."""
        started = time.perf_counter()
        run()
        seconds = time.perf_counter() - started
        if seconds >= 0.05:
            print(f"  {seconds:6.1f} s  {label[:76]}", flush=True)

    def summary(self) -> str:
        parts = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in self.seconds.items())
        return f"seeded in {time.perf_counter() - self.started:.0f} s ({parts})"


def _start_on_connections(statements: list[tuple[str, str]], before: tuple[str, ...] = ()):
    """Start running `statements` (label, SQL) on BUILDERS connections of their own, each
    in its own transaction, in the given order, each timed; returns the function that
    waits for them to end and raises the first error (which stops the rest)."""
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
                        label, statement = queue.pop()
                    Phases.step(label, lambda statement=statement: cursor.execute(statement))
        except Exception as exc:  # noqa: BLE001 -- reported by the caller's thread
            errors.append(exc)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=builder) for _ in range(BUILDERS)]
    for thread in threads:
        thread.start()

    def wait() -> None:
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
    return wait


def _start_builds(tables: list[str] | None = None):
    """Start building the pending indexes (of `tables`, or all): the GIN (trigram)
    builds first, the longest and each on one core, while the other connection works
    through the btrees. Returns the function that waits for them."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, definition FROM {PENDING_INDEXES} "  # noqa: S608
                       "WHERE NOT built AND (%s::text[] IS NULL OR table_name = ANY(%s))",
                       [tables, tables])
        pending = sorted(cursor.fetchall(), key=lambda index: " USING gin " not in index[1])
    return _start_on_connections(
        [(name, f"{definition}; UPDATE {PENDING_INDEXES} SET built = true WHERE name = '{name}'")
         for name, definition in pending],
        before=(f"SET maintenance_work_mem = '{BUILD_MEMORY}'", "SET synchronous_commit = off"))


def _attach_constraints() -> None:
    """The unique constraints back on their rebuilt indexes (a moment each)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT name, table_name FROM {PENDING_INDEXES} "  # noqa: S608
                       "WHERE is_constraint")
        for name, table in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" '
                           f'UNIQUE USING INDEX "{name}"')
        cursor.execute(f"DROP TABLE {PENDING_INDEXES}")  # every index is back


# Loaded and committed first, so that their indexes (the card search's trigram index is
# the longest build) are built beside the rest of the load.
FIRST_TABLES = ["cards_unit", "cards_holder", "cards_card"]


def _first_statements(every: list[str]) -> int:
    """How many of the leading statements write FIRST_TABLES only (or set the seed)."""
    first = 0
    for code in every:
        words = code.split()
        if code.startswith("SELECT setseed") or words[:2] == ["INSERT", "INTO"] and \
                words[2] in FIRST_TABLES:
            first += 1
        else:
            break
    return first


def seed(scale: float, extra_scripts: tuple[Path, ...] = (), extra_tables: tuple[str, ...] = (),
         rollups: bool = True) -> None:
    """Load seed.sql, then `extra_scripts` (same placeholders), with the indexes of TABLES
    and `extra_tables` dropped during the load and rebuilt after it; print each step's
    time and the phases' (load, indexes, vacuum)."""
    _require_postgres()
    sizes = {name: max(1, int(count * scale)) for name, count in FULL.items()}
    sizes["units"] = 20
    print(f"seeding {sizes}", flush=True)
    every = statements((REPORTS_SCRIPT, *extra_scripts), sizes)
    first = _first_statements(every)
    phases = Phases()
    # Two transactions in one session, so that setseed() gives the same rows: the units,
    # holders and cards, then (while their indexes build) the rest. A failed load leaves
    # the tables to the next run, which empties them again.
    with phases.phase("load"):
        with transaction.atomic(), connection.cursor() as cursor:
            prepare(cursor, [*TABLES, *extra_tables])
            load(cursor, every[:first], run=Phases.step)
        first_builds = _start_builds(FIRST_TABLES)
        with transaction.atomic(), connection.cursor() as cursor:
            load(cursor, every[first:], run=Phases.step)
    with phases.phase("indexes"):
        first_builds()
        _start_builds()()
        _attach_constraints()
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                       "ORDER BY pg_total_relation_size(quote_ident(tablename)) DESC")
        every_table = [name for (name,) in cursor.fetchall()]
    # Index-only scans need the visibility map that VACUUM sets; ANALYZE for the plans.
    # The largest first, so that the two connections end together.
    with phases.phase("vacuum"):
        _start_on_connections([(f"VACUUM ANALYZE {name}", f'VACUUM ANALYZE "{name}"')
                               for name in every_table])()
    print(phases.summary(), flush=True)
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
