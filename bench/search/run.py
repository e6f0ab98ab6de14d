"""Time the searches a secretary types, as the pages run them, on a seeded database.

    DATABASE_URL=postgres://…/legit_cs1m REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/search/run.py --label 1m-after
    # before and after side by side, the before from another checkout of the code:
    git archive main | tar -x -C /tmp/before
    … bench/search/run.py --label 1m-cardsearch --before /tmp/before

For each page (the card list and the case queue, as SSOS and as a dean's office) and
search (plus the card list without one), the page is requested once through Django's test
client to capture every query it runs; each query then runs `--runs` times on one
connection (as a server's worker keeps it) under `EXPLAIN (ANALYZE, BUFFERS)`, and the
page's SQL time is the sum of their execution times. The whole request (Django, the
templates, the queries) is timed `--runs` times through the test client, in this process
(like bench/pages/cpu.py). With `--before DIR` the same is done first with the code in
DIR, in a child process, then with this checkout; the table puts them side by side. The
table goes to stdout and results/<label>/README.md, the plans of each page's slowest
query to results/<label>/<side>/. Seed with bench/pages/seed.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
# A common surname alone (1 holder in 60 in the seed), with the start of a first name,
# two letters alone, a rare name's start, a card-number fragment, a whole card number
# (one the user sees), and no search at all.
SEARCHES = ["dabrowska", "dabrowska ba", "za", "zak", "00074", "{number}", ""]
PAGES = {  # name: (user, path)
    "cards, SSOS": ("bench-ssos", "/cards/"),
    "cards, dean's office": ("bench-dziekanat", "/cards/"),
    "queue, SSOS": ("bench-ssos", "/cases/"),
    "queue, dean's office": ("bench-dziekanat", "/cases/"),
}


def _setup(code: Path) -> None:
    sys.path[:0] = [str(code), str(code / "bench" / "pages")]
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    import django

    django.setup()


def _executed_ms(sql: str) -> tuple[float, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return float(plan.rsplit("Execution Time: ", 1)[1].split()[0]), plan


def _a_card_number(username: str) -> str:
    """The number of a card the user sees (the dean's office: of its unit 1)."""
    from cards.models import Card

    cards = Card.objects.order_by("pk")
    return (cards.filter(serving_unit_id=1) if "dziekanat" in username else cards)[742].number


def _shown(response) -> str:
    """What the page says it found ("16 666 legitymacji", "Znaleziono ponad 500 …")."""
    text = response.content.decode()
    found = re.search(r'<p class="(?:muted|alert info)"[^>]*>(.*?)</p>', text, re.S)
    return " ".join(found.group(1).split())[:40] if found else "?"


def measure(page: str, query: str, runs: int, plans: Path) -> dict:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    username, path = PAGES[page]
    query = query.format(number=_a_card_number(username))
    client = Client()
    client.force_login(User.objects.get(username=username))
    url = f"{path}?{urllib.parse.urlencode({'q': query})}" if query else path
    client.get(url)  # the session and templates, cold catalogue
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    selects = [q["sql"] for q in captured.captured_queries
               if q["sql"].lstrip("( ").upper().startswith("SELECT")]
    sql, slowest = [], (0.0, "")
    for _ in range(runs + 1):  # the first run plans on a cold catalogue: not counted
        timed = [_executed_ms(statement) for statement in selects]
        sql.append(sum(ms for ms, _plan in timed))
        slowest = max(timed + [slowest], key=lambda item: item[0])
    wall = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url)
        wall.append((time.perf_counter() - start) * 1000)
    slug = f"{page}-{query or 'no search'}".replace(" ", "_").replace(",", "").replace("'", "")
    (plans / f"{slug}.explain.txt").write_text(f"-- the slowest of {len(selects)} queries\n"
                                               f"{slowest[1]}\n")
    return {"page": page, "query": query, "shown": _shown(response), "queries": len(selects),
            "sql": sql[1:], "request": wall}


def run_side(label: str, runs: int, searches: list[str]) -> list[dict]:
    out = HERE / "results" / label
    out.mkdir(parents=True, exist_ok=True)
    return [measure(page, query, runs, out) for page in PAGES for query in searches]


def _range(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}–{max(values):.1f})"


def _table(label: str, runs: int, sides: dict[str, list[dict]], loads: list[float]) -> str:
    names = list(sides)
    lines = [f"# {label}", "",
             f"{runs} runs each on one connection; load average "
             f"{', '.join(f'{load:.1f}' for load in loads)} (1 min, at the start of each "
             "side and at the end). Milliseconds, median (range). SQL: the sum of "
             "PostgreSQL's execution times of every query the page runs; request: the "
             "whole request through Django's test client.", "",
             "| page | search | " + " | ".join(
                 f"{name}: shown | {name}: queries | {name}: SQL | {name}: request"
                 for name in names) + " |",
             "|---|---|" + "---:|---:|---:|---:|" * len(names)]
    for rows in zip(*sides.values(), strict=True):
        first = rows[0]
        cells = [f"{r['shown']} | {r['queries']} | {_range(r['sql'])} | {_range(r['request'])}"
                 for r in rows]
        lines.append(f"| {first['page']} | `{first['query'] or '(none)'}` | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="run")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--search", action="append", help="instead of the usual searches")
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--code", type=Path, help=argparse.SUPPRESS)  # a side's code
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)  # a side's rows
    parser.add_argument("--side", help=argparse.SUPPRESS)  # a side's name
    args = parser.parse_args()
    searches = args.search or SEARCHES
    if args.json:  # one side, in a child process
        _setup(args.code)
        rows = run_side(f"{args.label}/{args.side}", args.runs, searches)
        args.json.write_text(json.dumps(rows))
        return
    out = HERE / "results" / args.label
    out.mkdir(parents=True, exist_ok=True)
    codes = {"before": args.before, "after": HERE.parents[1]} if args.before else {
        "now": HERE.parents[1]}
    sides, loads = {}, []
    for name, code in codes.items():
        loads.append(os.getloadavg()[0])
        rows_file = out / f"{name}.json"
        extra = [arg for search in searches for arg in ("--search", search)]
        subprocess.run([sys.executable, __file__, "--label", args.label, "--runs",
                        str(args.runs), "--code", str(code), "--json", str(rows_file),
                        "--side", name, *extra], check=True, cwd=code)  # code from there
        sides[name] = json.loads(rows_file.read_text())
    loads.append(os.getloadavg()[0])
    text = _table(args.label, args.runs, sides, loads)
    (out / "README.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
