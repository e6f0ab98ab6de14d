"""Seed django-helpdesk with tickets comparable to our cases, inside PostgreSQL (INSERT … SELECT).

Run with the peer's virtualenv (setup.sh does):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench PYTHONPATH=bench/pages/peer \\
        DJANGO_SETTINGS_MODULE=peer_settings /work/peer/.venv/bin/python bench/pages/peer/seed.py

--tickets 100000 matches our 100,000-case data set (seed.py --scale 0.5), 200000 the 1 M-card
one. As our cases: 20 queues (one per unit), opened over the last three years, 85 % closed
(plus one in fifty), the same kinds and the same Polish names (read from bench/reports/seed.sql);
history as long as a case's: an opening follow-up per ticket, a closing follow-up with its
status change per closed ticket. Then the users the runner logs in as, all with the password
bench-password: bench-dziekanat (staff, the first queue only, through a queue permission),
bench-ssos (staff, every queue) and bench-admin (superuser).
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_settings")
django.setup()

from helpdesk.models import Queue, UserSettings  # noqa: E402

from django.contrib.auth.models import Group, Permission, User  # noqa: E402
from django.db import connection, transaction  # noqa: E402

NAMES_FROM = Path(__file__).resolve().parents[2] / "reports" / "seed.sql"
PASSWORD = "bench-password"
UNITS = 20
TABLES = "helpdesk_ticketchange, helpdesk_followup, helpdesk_ticket"

# A case kind's share and the title its ticket gets (bench/reports/seed.sql's distribution).
TICKETS = """
SELECT setseed(0.42);

INSERT INTO helpdesk_ticket (id, title, created, modified, submitter_email, status, on_hold,
                             description, resolution, priority, due_date, last_escalation,
                             assigned_to_id, queue_id, secret_key, kbitem_id, merged_to_id)
SELECT t, kind || ' – ' || first_name || ' ' || last_name, opened,
       CASE WHEN closed THEN LEAST(now(), opened + (r4 * r4 * 90) * interval '1 day')
            ELSE opened END,
       (100000 + t) || '@student.example.edu', CASE WHEN closed THEN 4 ELSE 1 END, false,
       kind || ': zgłoszenie z dziekanatu, numer albumu ' || (100000 + t) || '.',
       CASE WHEN closed THEN 'Sprawa zakończona.' ELSE '' END, 3, NULL, NULL, NULL,
       queue_ids[1 + t %% array_length(queue_ids, 1)], md5('ticket' || t)::uuid::text, NULL,
       NULL
FROM (SELECT t, random() < 0.85 OR t %% 50 = 0 AS closed, random() AS r4,
             now() - random() * interval '1095 days' AS opened,
             CASE WHEN r < 0.45 THEN 'Usterka legitymacji' WHEN r < 0.60 THEN 'Uszkodzenie'
                  WHEN r < 0.70 THEN 'Utrata' WHEN r < 0.90 THEN 'Nieudane przedłużenie'
                  ELSE 'Unieważnienie' END AS kind,
             CASE WHEN t %% 2 = 0 THEN (%(women)s::text[])[1 + (t / 2) %% %(n_women)s]
                  ELSE (%(men)s::text[])[1 + (t / 2) %% %(n_men)s] END AS first_name,
             CASE WHEN t %% 2 = 0 THEN (%(her)s::text[])[1 + (t::bigint * 7919) %% %(n_her)s]
                  ELSE (%(his)s::text[])[1 + (t::bigint * 7919) %% %(n_his)s] END AS last_name
      FROM (SELECT t, random() AS r FROM generate_series(1, %(tickets)s) t) AS k) AS s,
     (SELECT array_agg(id ORDER BY id) AS queue_ids FROM helpdesk_queue) AS q;

INSERT INTO helpdesk_followup (date, title, comment, public, new_status, ticket_id, user_id,
                               message_id, time_spent, email_recipients)
SELECT created, 'Zgłoszenie otwarte', description, true, NULL, id, NULL, NULL, NULL, NULL
FROM helpdesk_ticket;

INSERT INTO helpdesk_followup (date, title, comment, public, new_status, ticket_id, user_id,
                               message_id, time_spent, email_recipients)
SELECT modified, 'Zamknięte', resolution, true, 4, id, NULL, NULL, NULL, NULL
FROM helpdesk_ticket WHERE status = 4;

INSERT INTO helpdesk_ticketchange (field, old_value, new_value, followup_id)
SELECT 'Status', 'Otwarte', 'Zamknięte', id FROM helpdesk_followup WHERE new_status = 4;

SELECT setval(pg_get_serial_sequence('helpdesk_ticket', 'id'),
              (SELECT max(id) FROM helpdesk_ticket));
"""


def names() -> dict[str, list[str]]:
    """The four name lists of bench/reports/seed.sql (women, men, her, his)."""
    found = re.findall(r"ARRAY\[(.*?)\]\s*AS (\w+)", NAMES_FROM.read_text(), re.DOTALL)
    return {alias: re.findall(r"'([^']*)'", items) for items, alias in found}


def create_queues() -> list[Queue]:
    for unit in range(1, UNITS + 1):
        Queue.objects.get_or_create(slug=f"u{unit:02d}", defaults={
            "title": f"Wydział {unit}", "allow_public_submission": False,
            "allow_email_submission": False})
    return list(Queue.objects.order_by("pk"))


def create_users(queues: list[Queue]) -> None:
    def permissions(chosen):
        return Permission.objects.filter(
            content_type__app_label="helpdesk",
            codename__in=[q.permission_name.split(".", 1)[1] for q in chosen])

    roles = {"bench-dziekanat": queues[:1], "bench-ssos": queues, "bench-admin": None}
    for username, reach in roles.items():
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(PASSWORD)
        user.is_staff = True
        user.is_superuser = reach is None
        user.save()
        if reach is not None:
            group, _ = Group.objects.get_or_create(name=f"helpdesk {username[6:]}")
            group.permissions.set(permissions(reach))
            user.groups.set([group])
        UserSettings.objects.get_or_create(user=user)


def seed(tickets: int) -> None:
    lists = names()
    parameters = {"tickets": tickets, **lists, **{f"n_{k}": len(v) for k, v in lists.items()}}
    started = time.perf_counter()
    with transaction.atomic():
        queues = create_queues()
        create_users(queues)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
            for statement in TICKETS.split(";\n"):
                if not statement.strip():
                    continue
                step = time.perf_counter()
                cursor.execute(statement, parameters)
                print(f"  {time.perf_counter() - step:6.1f} s  {statement.split()[:3]}", flush=True)
    with connection.cursor() as cursor:  # outside the transaction: VACUUM cannot run in one
        cursor.execute(f"VACUUM ANALYZE {TABLES}")
    print(f"{tickets} tickets seeded in {time.perf_counter() - started:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    seed(parser.parse_args().tickets)


if __name__ == "__main__":
    main()
