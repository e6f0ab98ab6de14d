"""The dashboards, queues and card lists: queries, the 8 kB pages they read, the slowest
one by EXPLAIN ANALYZE, and CPU time per request (`cpu.per_request_ms`).

    DATABASE_URL=postgres://…/legit_pages REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/pages/lists.py --requests 50 [--only dashboard]

The pages read (from the cache or disk) do not change with the machine's load, unlike
the times beside them.
"""

from __future__ import annotations

import argparse
import os
import statistics

from cpu import _client, per_request_ms  # also sets up Django with bench_settings
from run import Page

from django.db import connection
from django.test.utils import CaptureQueriesContext

PAGES = [Page(name, user, path, []) for name, user, path in [
    ("dashboard, dean's office", "bench-dziekanat", "/"),
    ("dashboard, SSOS", "bench-ssos", "/"),
    ("dashboard, USOS office", "bench-usos", "/"),
    ("dashboard, administrator", "bench-admin", "/"),
    ("queue, dean's office (open)", "bench-dziekanat", "/cases/?queue=unit_open"),
    ("queue, SSOS (to assess)", "bench-ssos", "/cases/?queue=to_assess"),
    ("queue, SSOS (all open, page 40)", "bench-ssos", "/cases/?page=40"),
    ("queue, USOS office (escalations)", "bench-usos", "/cases/?queue=escalations"),
    ("queue, administrator (overdue)", "bench-admin", "/cases/?overdue=on"),
    ("card list, SSOS", "bench-ssos", "/cards/"),
    ("card list, SSOS (page 40)", "bench-ssos", "/cards/?page=40"),
    ("card list, administrator (awaiting hologram)", "bench-admin",
     "/cards/?state=awaiting_hologram"),
]]


def read_by_queries(page: Page) -> tuple[int, int, float]:
    """The page's queries, the pages they read, the slowest one's execution time."""
    client = _client(page)
    with CaptureQueriesContext(connection) as captured:
        client.get(page.path)
    blocks, slowest = 0, 0.0
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if not query["sql"].lstrip("( ").upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query["sql"])
            plan = cursor.fetchone()[0][0]
            blocks += plan["Plan"]["Shared Hit Blocks"] + plan["Plan"]["Shared Read Blocks"]
            slowest = max(slowest, plan["Execution Time"])
    return len(captured), blocks, slowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="pages whose name contains this")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("| page | queries | pages read | slowest query | CPU per request (rounds) |")
    print("|---|---:|---:|---:|---:|")
    for page in PAGES:
        if options.only not in page.name:
            continue
        cpu, _wall, _database = per_request_ms(page, options.requests, options.rounds)
        queries, blocks, slowest = read_by_queries(page)
        print(f"| {page.name} | {queries} | {blocks} | {slowest:.1f} ms | "
              f"{min(cpu):.1f}–{max(cpu):.1f} ms (median {statistics.median(cpu):.1f}) |",
              flush=True)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
