"""Measure the staff pages over HTTP: gunicorn (2 sync workers, DEBUG=0, Redis cache) and wrk.

    DATABASE_URL=postgres://…/legit_pages REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/pages/run.py --label 100k --peer helpdesk

For each page: log in as its role, check 200 and the expected content (computed from the
database through the selectors), time it unloaded (sequential requests, median), run
`wrk -t2 -c16 -d20s` for each round, check the content again, and, in this process through
Django's test client, count its queries and save `EXPLAIN (ANALYZE, BUFFERS)` of the
slowest one to results/<label>/<page>.explain.txt. The table goes to stdout and to
results/<label>/README.md, every figure to results/<label>/results.json.

`--peer helpdesk` starts django-helpdesk 2.6.1 (bench/pages/peer/: its virtualenv and
tickets come from setup.sh there) beside us and measures its page for each of ours
(helpdesk_peer.py says which) with the same checks, right before ours in every round;
the ratio of each round goes into the table. Any other peer: `--peer-url`, `--peer-user`,
`--peer-password`, `--peer-login-path` and one `--peer-page NAME=PATH` per page.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

import django  # noqa: E402

django.setup()

import helpdesk_peer  # noqa: E402
import servers  # noqa: E402
from client import BenchError, Page, Session, check, unloaded_ms, wrk  # noqa: E402
from seed import BENCH_PASSWORD  # noqa: E402

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from warranty.page_selectors import queue_counts, queue_page  # noqa: E402

# What the searches type (BENCH_SEARCH: a search without folding needs "Dąbrowska").
SEARCH = os.environ.get("BENCH_SEARCH", "dabrowska")
CARD_SEARCH = "00074"


def _first_case_number(user: User, **filters) -> str:
    page = queue_page(User.objects.get(pk=user.pk), **filters)
    return page.page.object_list[0].number


def pages() -> list[Page]:
    """The pages with what each must show, read from the database as the views read it."""
    from cards.card_list import card_list_page
    from warranty.models import Case

    users = {u.username: u for u in User.objects.filter(username__startswith="bench-")}
    deans, ssos, admin = users["bench-dziekanat"], users["bench-ssos"], users["bench-admin"]
    case = (Case.objects.filter(unit_id=1, state="in_assessment").order_by("pk").first())
    found = next(iter(card_list_page(User.objects.get(pk=ssos.pk), query=CARD_SEARCH).page),
                 None)
    units_first = next(iter(card_list_page(User.objects.get(pk=deans.pk)).page))
    lookup = Case.objects.select_related("holder").filter(state="payment_due").order_by("pk")[0]
    result = [
        Page("case detail", "bench-dziekanat", f"/cases/{case.pk}/", [case.number]),
        Page("queue, dean's office", "bench-dziekanat", "/cases/?queue=unit_open",
             [_first_case_number(deans, queue="unit_open")]),
        Page("queue, SSOS", "bench-ssos", "/cases/?queue=to_assess",
             [_first_case_number(ssos, queue="to_assess")]),
        Page("queue search, SSOS", "bench-ssos", f"/cases/?{urllib.parse.urlencode({'q': SEARCH})}",
             ["Dąbrowska", _first_case_number(ssos, query=SEARCH)]),
        Page("card search, SSOS", "bench-ssos", f"/cards/?q={CARD_SEARCH}",
             [found.number if found else "0"]),  # an exact-only search finds nothing
        Page("card list, dean's office", "bench-dziekanat", "/cards/", [units_first.number]),
        Page("queue overdue, administrator", "bench-admin", "/cases/?overdue=on",
             [_first_case_number(admin, overdue=True)]),
        Page("status lookup", "", "/cases/status/", [str(lookup.get_state_display())],
             post={"number": lookup.number, "album_number": lookup.holder.album_number}),
    ]
    for username in ("bench-dziekanat", "bench-ssos", "bench-usos", "bench-admin"):
        count = queue_counts(User.objects.get(username=username))["all_open"]
        result.append(Page(f"dashboard, {username[6:]}", username, "/",
                           [f'<span class="value">{count}</span>']))
    return result


def queries_and_plan(page: Page, folder: Path) -> tuple[int, float]:
    """The page's query count and its slowest query's time; its plan saved in `folder`."""
    client = Client()
    if page.user:
        client.force_login(User.objects.get(username=page.user))
    call = (lambda: client.post(page.path, page.post)) if page.post else (
        lambda: client.get(page.path))
    call()  # warm: the user's first request also loads the session
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200, (page.name, response.status_code)
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    slug = re.sub(r"[^a-z0-9]+", "-", page.name.lower()).strip("-")
    (folder / f"{slug}.explain.txt").write_text(f"{slowest['sql']}\n\n{plan}\n")
    executed = float(re.search(r"Execution Time: ([\d.]+)", plan).group(1))
    return len(captured.captured_queries), executed


@contextlib.contextmanager
def our_server(port: int, folder: Path):
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-only-" + "x" * 50,
           "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT}"}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=ROOT, env=env, check=True)
    command = [sys.executable, "-m", "gunicorn", "-c", "python:legitymacje.gunicorn_conf",
               "legitymacje.wsgi"]
    with servers.gunicorn("our gunicorn", command, port=port, cwd=ROOT, env=env,
                          log=folder / "gunicorn.log") as url:
        yield url


def peer_pages(options, chosen: list[Page]) -> dict[str, Page]:
    if options.peer == "helpdesk":
        return helpdesk_peer.pages(options.peer_database_url)
    paths = dict(item.split("=", 1) for item in options.peer_page)
    unknown = set(paths) - {page.name for page in chosen}
    if unknown:
        raise BenchError(f"--peer-page for pages we do not measure: {sorted(unknown)}")
    return {name: Page(name, options.peer_user, path, []) for name, path in paths.items()}


def peer_url(options, folder: Path, stack: contextlib.ExitStack) -> str | None:
    if options.peer_url or options.peer != "helpdesk":
        return options.peer_url
    command, cwd, env = helpdesk_peer.server(options.peer_database_url)
    return stack.enter_context(servers.gunicorn(
        "the peer's gunicorn", command, port=options.peer_port or options.port + 1, cwd=cwd,
        env=env, log=folder / "peer-gunicorn.log"))


def _spread(values: list[float], digits: int = 0) -> str:
    if not values:
        return "—"
    low, high = min(values), max(values)
    return f"{low:.{digits}f}" if f"{low:.{digits}f}" == f"{high:.{digits}f}" else (
        f"{low:.{digits}f}–{high:.{digits}f}")


def _rate(values: list[float]) -> str:
    low = min(values, default=0)
    return _spread(values, 0 if low >= 10 else 1 if low >= 1 else 2)


def _ratio(ours: list[float], theirs: list[float]) -> str:
    ratios = [mine / peer for mine, peer in zip(ours, theirs, strict=False) if peer]
    if ratios:
        return _spread(ratios, 1) + "×"
    return "peer answered none within wrk's time" if theirs else "—"


def table(rows: list[dict]) -> str:
    lines = ["| page | role | queries | slowest query | unloaded (median) | req/s "
             "| peer unloaded | peer req/s | ratio per round |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        peer_unloaded = f"{row['peer_unloaded_ms']:.1f} ms" if row["peer_unloaded_ms"] else "—"
        lines.append(
            f"| {row['page']} | {row['role']} | {row['queries']} | {row['slowest_ms']:.1f} ms "
            f"| {row['unloaded_ms']:.1f} ms | {_rate(row['ours'])} | {peer_unloaded} "
            f"| {_rate(row['peer'])} | {_ratio(row['ours'], row['peer'])} |")
    return "\n".join(lines)


def chosen_pages(ours: list[Page], only: list[str]) -> list[Page]:
    """The pages `--only` names (all without it). Names hold ", " ("queue, SSOS"): --only
    repeats, or takes "case detail,status lookup" (a comma without a space after it)."""
    names = {p.name for p in ours}
    wanted = {part for value in only
              for part in ([value] if value in names else re.split(r",(?=\S)", value))}
    unknown = wanted - names
    if unknown:
        raise BenchError(f"--only: no such page {sorted(unknown)}; the pages: "
                         f"{[p.name for p in ours]}")
    return [p for p in ours if not wanted or p.name in wanted]


def measure(options, folder: Path, stack: contextlib.ExitStack, rows: list[dict]) -> None:
    """Measure every chosen page, ours and the peer's, appending a row per page to `rows`."""
    chosen = chosen_pages(pages(), options.only)
    theirs = peer_pages(options, chosen) if (options.peer or options.peer_page) else {}
    base = options.base_url or stack.enter_context(our_server(options.port, folder))
    peer_base = peer_url(options, folder, stack) if theirs else None
    sessions = {user: Session(base, user, BENCH_PASSWORD if user else "")
                for user in {p.user for p in chosen}}
    password = options.peer_password or (BENCH_PASSWORD if options.peer == "helpdesk" else "")
    peer_sessions = {user: Session(peer_base, user, password if user else "",
                                   options.peer_login_path)
                     for user in {theirs[p.name].user for p in chosen if p.name in theirs}}
    for page in chosen:
        session, peer_page = sessions[page.user], theirs.get(page.name)
        peer = peer_sessions[peer_page.user] if peer_page else None
        check(session, page)
        if peer_page:
            check(peer, peer_page)
        queries, slowest_ms = queries_and_plan(page, folder)
        row = {"page": page.name, "role": page.user[6:] or "anonymous", "path": page.path,
               "queries": queries, "slowest_ms": slowest_ms,
               "unloaded_ms": unloaded_ms(session, page, options.unloaded_runs,
                                          options.warm_views),
               "peer_path": peer_page.path if peer_page else None,
               "peer_unloaded_ms": (unloaded_ms(peer, peer_page, options.peer_unloaded_runs,
                                                options.peer_warm_views)
                                    if peer_page else None),
               "ours": [], "peer": []}
        for _round in range(options.rounds):
            if peer_page:
                row["peer"].append(wrk(peer, peer_page, options.seconds, options.connections,
                                       folder))
            row["ours"].append(wrk(session, page, options.seconds, options.connections,
                                   folder))
        check(session, page)
        if peer_page:
            check(peer, peer_page)
        rows.append(row)
        print(f"{page.name}: {queries} queries, slowest {slowest_ms:.1f} ms, unloaded "
              f"{row['unloaded_ms']:.1f} ms, req/s {row['ours']}, peer {row['peer']}",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="run", help="results/<label>/ gets the figures")
    parser.add_argument("--port", type=int, default=8108)
    parser.add_argument("--base-url", help="measure a server already running there")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--unloaded-runs", type=int, default=20)
    parser.add_argument("--warm-views", type=int, default=40,
                        help="untimed views before the unloaded ones (0: a server just started)")
    parser.add_argument("--only", action="append", default=[],
                        help="a page to measure (repeat it, or NAME,NAME; default: all)")
    parser.add_argument("--peer", choices=["helpdesk"],
                        help="start and measure a known peer beside us (bench/pages/peer/)")
    parser.add_argument("--peer-port", type=int, help="the started peer's port (--port + 1)")
    parser.add_argument("--peer-database-url", default=helpdesk_peer.DATABASE_URL)
    parser.add_argument("--peer-unloaded-runs", type=int, default=5,
                        help="the peer's dashboard takes seconds per request")
    parser.add_argument("--peer-warm-views", type=int, default=5)
    parser.add_argument("--peer-url", help="a peer already running there")
    parser.add_argument("--peer-user", default="")
    parser.add_argument("--peer-password", default="")
    parser.add_argument("--peer-login-path", default="/login/")
    parser.add_argument("--peer-page", action="append", default=[], help="NAME=PATH")
    options = parser.parse_args()
    if options.peer_page and options.peer:
        parser.error("--peer-page is for a peer of your own, not with --peer")
    if options.peer_page and not options.peer_url:
        parser.error("--peer-page needs --peer-url")

    folder = HERE / "results" / options.label
    folder.mkdir(parents=True, exist_ok=True)
    # A `kill` of the run stops its servers too (the `finally` of each server).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows: list[dict] = []
    try:
        with contextlib.ExitStack() as stack:
            measure(options, folder, stack, rows)
    finally:  # what was measured before an error is kept
        if rows:
            write_results(options, folder, rows, started, load_before)


def write_results(options, folder: Path, rows: list[dict], started: str,
                  load_before: tuple[float, ...]) -> None:
    from warranty.models import Case

    load_after = os.getloadavg()
    text = table(rows)
    sizes = f"{Case.objects.count():,} cases"
    if options.peer == "helpdesk":
        sizes += f" against {helpdesk_peer.ticket_count(options.peer_database_url):,} tickets"
    rounds = f"{options.rounds} round" + ("s" if options.rounds != 1 else "")
    setup = (f"{sizes}; {len(rows)} pages, {rounds} of wrk -t2 "
             f"-c{options.connections} -d{options.seconds}s, gunicorn -k sync -w 2"
             + (", peer page right before ours in each round" if options.peer or
                options.peer_url else "")
             + f"; unloaded: the median of {options.unloaded_runs} views after "
             f"{options.warm_views} untimed ones"
             + (f" (the peer's: {options.peer_unloaded_runs} after {options.peer_warm_views})"
                if options.peer or options.peer_url else "")
             + f"; started {started}, load average {load_before[0]:.1f} before, "
             f"{load_after[0]:.1f} after (1 min).")
    (folder / "README.md").write_text(f"# {options.label}\n\n{setup}\n\n{text}\n")
    (folder / "results.json").write_text(json.dumps(
        {"label": options.label, "started": started, "load_before": load_before,
         "load_after": load_after, "rounds": options.rounds, "seconds": options.seconds,
         "connections": options.connections, "peer": options.peer or options.peer_url,
         "pages": rows}, indent=1, ensure_ascii=False) + "\n")
    print(setup)
    print(text)


if __name__ == "__main__":
    main()
