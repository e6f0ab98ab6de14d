"""Time the searches a secretary types, as the pages run them, on a seeded database.

    DATABASE_URL=postgres://…/legit_pages REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/search/run.py --label 1m

For each search and page (the case queue of every open case as SSOS, the same queue as a
dean's office, the card list as SSOS): the page's two queries, the 25 rows and the count
of every match, are run `--runs` times on one connection (as a server's worker keeps it)
under `EXPLAIN (ANALYZE)`; the table gives PostgreSQL's execution time of both together
(median and range), the number of matches, and the whole request through Django's test
client (median). The plans go to results/<label>/<page>-<search>.explain.txt and the
table to stdout and results/<label>/README.md. Seed with bench/pages/seed.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "pages"))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from cards.selectors import SEARCH_ORDER, card_list_for_user, card_search  # noqa: E402
from warranty.page_selectors import queue_cases  # noqa: E402

# A common surname alone (1 holder in 60 in the seed), a surname with the start of a
# first name, a rare name, a card-number fragment, and two letters alone.
SEARCHES = ["dabrowska", "dabrowska ba", "zak", "00074", "sliwinski mik", "za"]
PAGES = {
    "queue, SSOS": ("bench-ssos", "/cases/",
                    lambda user, q: queue_cases(user, query=q)),
    "queue, dean's office": ("bench-dziekanat", "/cases/",
                             lambda user, q: queue_cases(user, query=q)),
    "cards, SSOS": ("bench-ssos", "/cards/",
                    lambda user, q: card_search(card_list_for_user(user), q).order_by(
                        *SEARCH_ORDER)),
}


def _executed_ms(sql: str, params) -> tuple[float, str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return float(plan.rsplit("Execution Time: ", 1)[1].split()[0]), plan


def measure(page: str, query: str, runs: int, out: Path) -> dict:
    username, path, cases = PAGES[page]
    user = User.objects.get(username=username)
    found = cases(user, query)
    page_sql = found[:25].query.sql_with_params()
    count_sql, count_params = found.order_by().values("pk").query.sql_with_params()
    count_sql = (f"SELECT COUNT(*) FROM ({count_sql}) found", count_params)
    times, plans = [], ""
    for _ in range(runs + 1):  # the first run plans on a cold catalogue: not counted
        page_ms, page_plan = _executed_ms(*page_sql)
        count_ms, count_plan = _executed_ms(*count_sql)
        times.append(page_ms + count_ms)
        plans = f"-- the page's rows\n{page_plan}\n\n-- the count\n{count_plan}\n"
    times = times[1:]
    slug = f"{page}-{query}".replace(" ", "_").replace(",", "").replace("'", "")
    (out / f"{slug}.explain.txt").write_text(plans)
    client = Client()
    client.force_login(user)
    url = f"{path}?{urllib.parse.urlencode({'q': query})}"
    client.get(url)
    wall = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        wall.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return {"page": page, "query": query, "matches": found.count(),
            "median": statistics.median(times), "low": min(times), "high": max(times),
            "request": statistics.median(wall)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="run")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--search", action="append", help="instead of the usual searches")
    args = parser.parse_args()
    out = HERE / "results" / args.label
    out.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    rows = [measure(page, query, args.runs, out)
            for page in PAGES for query in (args.search or SEARCHES)]
    table = [f"# {args.label}", "",
             f"{args.runs} runs each on one connection, load average {load:.1f} at the start.",
             "", "| page | search | matches | SQL, rows + count (median, range) "
             "| request through Django (median) |", "|---|---|---:|---:|---:|"]
    table += [f"| {r['page']} | `{r['query']}` | {r['matches']} | {r['median']:.1f} ms "
              f"({r['low']:.1f}–{r['high']:.1f}) | {r['request']:.1f} ms |" for r in rows]
    text = "\n".join(table) + "\n"
    (out / "README.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
