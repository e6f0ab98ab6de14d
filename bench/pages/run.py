"""Measure the staff pages over HTTP: gunicorn (2 sync workers, DEBUG=0, Redis cache) and wrk.

    DATABASE_URL=postgres://…/legit_pages REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/pages/run.py --label 100k

For each page: log in as its role, check 200 and the expected content (computed from the
database through the selectors), time it unloaded (sequential requests, median), run
`wrk -t2 -c16 -d20s` for each round, check the content again, and, in this process through
Django's test client, count its queries and save `EXPLAIN (ANALYZE, BUFFERS)` of the
slowest one to results/<label>/<page>.explain.txt. The table goes to stdout and to
results/<label>/README.md.

With `--peer-url`, `--peer-user`, `--peer-password` and one `--peer-page NAME=PATH` per
page (e.g. django-helpdesk), each round measures the peer's page right before ours.
"""

from __future__ import annotations

import argparse
import html
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

import django  # noqa: E402

django.setup()

from seed import BENCH_PASSWORD  # noqa: E402

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from warranty.page_selectors import queue_counts, queue_page  # noqa: E402

# What the searches type (BENCH_SEARCH: a search without folding needs "Dąbrowska").
SEARCH = os.environ.get("BENCH_SEARCH", "dabrowska")
CARD_SEARCH = "00074"


@dataclass
class Page:
    name: str
    user: str  # "" = anonymous
    path: str
    expected: list[str]  # each must be in the page
    post: dict | None = None


def _first_case_number(user: User, **filters) -> str:
    page = queue_page(User.objects.get(pk=user.pk), **filters)
    return page.page.object_list[0].number


def pages() -> list[Page]:
    """The pages with what each must show, read from the database as the views read it."""
    from cards.selectors import card_list_for_user, card_search
    from warranty.models import Case

    users = {u.username: u for u in User.objects.filter(username__startswith="bench-")}
    deans, ssos = users["bench-dziekanat"], users["bench-ssos"]
    case = (Case.objects.filter(unit_id=1, state="in_assessment").order_by("pk").first())
    found = card_search(card_list_for_user(ssos), CARD_SEARCH).order_by(
        "holder__last_name", "number").first()
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
        Page("status lookup", "", "/cases/status/", [str(lookup.get_state_display())],
             post={"number": lookup.number, "album_number": lookup.holder.album_number}),
    ]
    for username in ("bench-dziekanat", "bench-ssos", "bench-usos", "bench-admin"):
        count = queue_counts(User.objects.get(username=username))["all_open"]
        result.append(Page(f"dashboard, {username[6:]}", username, "/",
                           [f'<span class="value">{count}</span>']))
    return result


class Session:
    """A logged-in (or anonymous) browser: cookies, CSRF token."""

    def __init__(self, base: str, user: str = "", password: str = "",
                 login_path: str = "/login/") -> None:
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        if user:
            form = self.get(login_path)[1]
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
            status, body = self.post(login_path, {"username": user, "password": password,
                                                  "csrfmiddlewaretoken": token})
            if "sessionid" not in self.cookies():
                raise SystemExit(f"login as {user} at {self.base} failed ({status})")

    def cookies(self) -> dict[str, str]:
        return {c.name: c.value for c in self.jar}

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base + path, data=body,
                                                 headers={"Referer": self.base + path}))

    def fetch(self, page: Page) -> tuple[int, str]:
        if page.post is None:
            return self.get(page.path)
        token = self.cookies().get("csrftoken") or self._csrf(page.path)
        return self.post(page.path, {**page.post, "csrfmiddlewaretoken": token})

    def _csrf(self, path: str) -> str:
        self.get(path)
        return self.cookies()["csrftoken"]

    def wrk_arguments(self, page: Page, seconds: int, connections: int) -> list[str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies().items())
        arguments = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-H", f"Cookie: {cookie}"]
        if page.post is not None:
            token = self.cookies().get("csrftoken") or self._csrf(page.path)
            body = urllib.parse.urlencode({**page.post, "csrfmiddlewaretoken": token})
            script = HERE / "results" / "post.lua"
            script.write_text(
                'wrk.method = "POST"\n'
                f'wrk.body = "{body}"\n'
                'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
                f'wrk.headers["Referer"] = "{self.base + page.path}"\n')
            arguments += ["-s", str(script)]
        return [*arguments, self.base + page.path]


def check(session: Session, page: Page) -> None:
    status, body = session.fetch(page)
    text = html.unescape(body)
    missing = [e for e in page.expected if e not in text]
    if status != 200 or missing:
        raise SystemExit(f"{page.name} at {session.base}: {status}, missing {missing}")


def unloaded_ms(session: Session, page: Page, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        status, _body = session.fetch(page)
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"{page.name}: {status}")
    return statistics.median(timings)


def wrk(session: Session, page: Page, seconds: int, connections: int) -> float:
    out = subprocess.run(session.wrk_arguments(page, seconds, connections), check=True,
                         capture_output=True, text=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"{page.name}: wrk saw errors\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


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


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-only-" + "x" * 50,
           "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
           "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT}"}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:legitymacje.gunicorn_conf", "-k",
         "sync", "legitymacje.wsgi"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    for _ in range(100):
        line = server.stderr.readline()
        if "Booting worker" in line:
            time.sleep(1.5)
            return server
    server.terminate()
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="run", help="results/<label>/ gets the figures")
    parser.add_argument("--port", type=int, default=8108)
    parser.add_argument("--base-url", help="measure a server already running there")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--unloaded-runs", type=int, default=20)
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--peer-url")
    parser.add_argument("--peer-user", default="")
    parser.add_argument("--peer-password", default="")
    parser.add_argument("--peer-login-path", default="/login/")
    parser.add_argument("--peer-page", action="append", default=[], help="NAME=PATH")
    options = parser.parse_args()

    folder = HERE / "results" / options.label
    folder.mkdir(parents=True, exist_ok=True)
    chosen = [p for p in pages() if not options.only or p.name in options.only.split(",")]
    server = None if options.base_url else start_gunicorn(options.port)
    base = options.base_url or f"http://127.0.0.1:{options.port}"
    peer_paths = dict(item.split("=", 1) for item in options.peer_page)
    peer = (Session(options.peer_url, options.peer_user, options.peer_password,
                    options.peer_login_path) if options.peer_url else None)
    rows = []
    try:
        sessions = {user: Session(base, user, BENCH_PASSWORD if user else "")
                    for user in {p.user for p in chosen}}
        for page in chosen:
            session = sessions[page.user]
            check(session, page)
            queries, slowest_ms = queries_and_plan(page, folder)
            unloaded = unloaded_ms(session, page, options.unloaded_runs)
            ours, theirs = [], []
            peer_page = Page(page.name, "", peer_paths[page.name], []) if (
                peer and page.name in peer_paths) else None
            for _round in range(options.rounds):
                if peer_page:
                    theirs.append(wrk(peer, peer_page, options.seconds, options.connections))
                ours.append(wrk(session, page, options.seconds, options.connections))
            check(session, page)
            rows.append((page, queries, slowest_ms, unloaded, ours, theirs))
            print(f"{page.name}: {queries} queries, slowest {slowest_ms:.1f} ms, unloaded "
                  f"{unloaded:.1f} ms, req/s {ours} peer {theirs}", flush=True)
    finally:
        if server:
            server.terminate()
            server.wait()
    table = ["| page | role | queries | slowest query | unloaded (median) | req/s | peer req/s |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for page, queries, slowest_ms, unloaded, ours, theirs in rows:
        spread = f"{min(ours):.0f}–{max(ours):.0f}" if ours else "—"
        peer_spread = f"{min(theirs):.0f}–{max(theirs):.0f}" if theirs else "—"
        table.append(f"| {page.name} | {page.user[6:] or 'anonymous'} | {queries} | "
                     f"{slowest_ms:.1f} ms | {unloaded:.1f} ms | {spread} | {peer_spread} |")
    text = "\n".join(table)
    (folder / "README.md").write_text(
        f"# {options.label}\n\n{len(rows)} pages, {options.rounds} rounds of wrk -t2 "
        f"-c{options.connections} -d{options.seconds}s, gunicorn -k sync -w 2.\n\n{text}\n")
    print(text)


if __name__ == "__main__":
    main()
