"""django-helpdesk 2.6.1 as the peer of our staff pages (`run.py --peer helpdesk`).

Each of our pages maps to the helpdesk page a person would use for the same work, logged
in as the matching role of bench/pages/peer/seed.py, with what it must show read from the
peer's database as helpdesk reads it:

- case detail → the ticket page of the first open ticket of the first queue (dean's office);
- queue, dean's office → the ticket list of the first queue, open tickets (the page and the
  XHR that fills its table, sorted by creation as helpdesk sorts by default);
- queue, SSOS → the ticket list of every queue, open tickets;
- queue search, SSOS → the ticket list searched for the same surname (helpdesk matches
  `icontains`, so it is given the diacritics: "Dąbrowska");
- status lookup → the public ticket view (ticket, e-mail and key in the query, no login);
- dashboards → the helpdesk dashboard (dean's office: one queue; SSOS and USOS office:
  every queue; administrator: a superuser).

The card search has no helpdesk equivalent and is measured for us only.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import urllib.parse
from pathlib import Path

import psycopg
from client import Page

PROJECT = Path(__file__).resolve().parent / "peer"
VENV = Path(os.environ.get("PEER_VENV", "/work/peer/.venv"))
DATABASE_URL = os.environ.get("PEER_DATABASE_URL",
                              "postgres://postgres@127.0.0.1:5432/helpdesk_bench")
SEARCH = "Dąbrowska"
OPEN = [1, 2]  # helpdesk's open and reopened statuses
PAGE_SIZE = 25  # ours (warranty.page_selectors.QUEUE_PAGE_SIZE) and helpdesk's default


def server(database_url: str = DATABASE_URL) -> tuple[list[str], Path, dict[str, str]]:
    """The gunicorn command line, working folder and environment that serve the peer."""
    gunicorn = VENV / "bin" / "gunicorn"
    if not gunicorn.exists():
        sys.exit(f"no django-helpdesk virtualenv at {VENV}: run bench/pages/peer/setup.sh "
                 "(or set PEER_VENV)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "peer_settings", "PYTHONPATH": str(PROJECT),
           "DATABASE_URL": database_url}
    return [str(gunicorn), "django.core.wsgi:get_wsgi_application()"], PROJECT, env


def _ticket_list(user: str, name: str, filtering: dict, search: str, expected: list[str]
                 ) -> Page:
    """The ticket list as its page builds it: the HTML, then the XHR with the base64 query."""
    arguments = [("queue", q) for q in filtering.get("queue__id__in", [])]
    arguments += [("status", s) for s in filtering.get("status__in", [])]
    if search:
        arguments.append(("q", search))
    query = {"filtering": filtering, "filtering_null": {}, "sorting": "created",
             "sortreverse": None, "search_string": search}
    encoded = base64.b64encode(json.dumps(query).encode()).decode()
    return Page(name, user, f"/tickets/?{urllib.parse.urlencode(arguments)}", expected,
                then=[f"/datatables_ticket_list/{encoded}?draw=1&start=0&length={PAGE_SIZE}"])


def ticket_count(database_url: str = DATABASE_URL) -> int:
    with psycopg.connect(database_url) as connection:
        return connection.execute("SELECT count(*) FROM helpdesk_ticket").fetchone()[0]


def pages(database_url: str = DATABASE_URL) -> dict[str, Page]:
    """Our page name → the peer's page, with what it must show."""
    try:
        connection = psycopg.connect(database_url)
    except psycopg.OperationalError as exc:
        sys.exit(f"the peer's database {database_url}: {exc}(bench/pages/peer/setup.sh seeds it)")
    with connection, connection.cursor() as cursor:
        def one(sql: str, *parameters):
            cursor.execute(sql, parameters)
            row = cursor.fetchone()
            if row is None:
                sys.exit(f"the peer's database is not seeded (bench/pages/peer/setup.sh): {sql}")
            return row

        (queue,) = one("SELECT min(id) FROM helpdesk_queue HAVING count(*) > 0")
        ticket_id, title, email, key = one(
            "SELECT id, title, submitter_email, secret_key FROM helpdesk_ticket"
            " WHERE queue_id = %s AND status = ANY(%s) ORDER BY id LIMIT 1", queue, OPEN)
        (slug,) = one("SELECT slug FROM helpdesk_queue WHERE id = %s", queue)

        def first_and_count(where: str, *parameters) -> list[str]:
            first = one(f"SELECT id FROM helpdesk_ticket WHERE {where} ORDER BY created, id"
                        " LIMIT 1", *parameters)[0]
            count = one(f"SELECT count(*) FROM helpdesk_ticket WHERE {where}", *parameters)[0]
            return [f'"id": {first},', f'"recordsFiltered": {count},']

        def newest_open(*queues: int) -> list[str]:
            where = "status = ANY(%s) AND assigned_to_id IS NULL"
            if queues:
                where += " AND queue_id = ANY(%s)"
            return [one(f"SELECT title FROM helpdesk_ticket WHERE {where}"
                        " ORDER BY created DESC LIMIT 1", OPEN, *([list(queues)] if queues
                                                                  else []))[0]]

        result = {
            "case detail": Page("case detail", "bench-dziekanat", f"/tickets/{ticket_id}/",
                                [title]),
            "queue, dean's office": _ticket_list(
                "bench-dziekanat", "queue, dean's office",
                {"queue__id__in": [queue], "status__in": OPEN}, "",
                first_and_count("queue_id = %s AND status = ANY(%s)", queue, OPEN)),
            "queue, SSOS": _ticket_list(
                "bench-ssos", "queue, SSOS", {"status__in": OPEN}, "",
                first_and_count("status = ANY(%s)", OPEN)),
            "queue search, SSOS": _ticket_list(
                "bench-ssos", "queue search, SSOS", {}, SEARCH,
                first_and_count("upper(title) LIKE upper(%s)", f"%{SEARCH}%")),
            "status lookup": Page("status lookup", "", "/view/?" + urllib.parse.urlencode(
                {"ticket": f"{slug}-{ticket_id}", "email": email, "key": key}), [title]),
        }
        for ours, user, queues in (("dziekanat", "bench-dziekanat", (queue,)),
                                   ("ssos", "bench-ssos", ()), ("usos", "bench-ssos", ()),
                                   ("admin", "bench-admin", ())):
            name = f"dashboard, {ours}"
            result[name] = Page(name, user, "/dashboard/", newest_open(*queues))
    return result
