"""CPU time per request of the staff pages, in this process (Django's test client, no HTTP).

    DATABASE_URL=postgres://…/legit_pages REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/pages/cpu.py --only "case detail,queue, SSOS" --requests 200

On a machine shared with other work the CPU time this process spends per request
(`time.process_time`) is steadier than wall time; the database's own time is not in it
(it is in the wall time beside it). With PostgreSQL on this machine the CPU time of this
process's PostgreSQL backend per request is printed too (`db`: planning and running the
queries, read from /proc). `--profile N` prints the N most expensive functions
(cProfile, cumulative) of each page instead.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import statistics
import time
from pathlib import Path

from run import Page, chosen_pages, pages  # also sets up Django with bench_settings

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _client(page: Page) -> Client:
    client = Client()
    if page.user:
        client.force_login(User.objects.get(username=page.user))
    return client


def _request(client: Client, page: Page):
    response = client.post(page.path, page.post) if page.post else client.get(page.path)
    assert response.status_code == 200, (page.name, response.status_code)
    return response


def _backend() -> tuple[int, float] | None:
    """(pid, CPU seconds so far) of this connection's PostgreSQL backend, None when it
    cannot be read (another database, or a server on another machine)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return pid, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def _warmed_client(page: Page) -> Client:
    """A client whose page has been requested ten times (session, templates, prepared
    statements), with what that loaded taken out of the garbage collector's walks, as a
    gunicorn worker does after start-up (`legitymacje.gunicorn_conf.post_worker_init`):
    otherwise collections of objects the workers never walk are charged to the page."""
    client = _client(page)
    for _ in range(10):
        _request(client, page)
    gc.freeze()
    return client


def per_request_ms(page: Page, requests: int, rounds: int
                   ) -> tuple[list[float], list[float], list[float]]:
    """(CPU ms, wall ms, database backend CPU ms) per request, one figure per round; a
    round whose connection was replaced (CONN_MAX_AGE) or unreadable has no backend figure."""
    client = _warmed_client(page)
    cpu, wall, database = [], [], []
    for _round in range(rounds):
        backend_before = _backend()
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        for _ in range(requests):
            _request(client, page)
        cpu.append((time.process_time() - started_cpu) * 1000 / requests)
        wall.append((time.perf_counter() - started_wall) * 1000 / requests)
        backend_after = _backend()
        if backend_before and backend_after and backend_before[0] == backend_after[0]:
            database.append((backend_after[1] - backend_before[1]) * 1000 / requests)
    return cpu, wall, database


def profile(page: Page, requests: int, top: int) -> None:
    client = _warmed_client(page)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        _request(client, page)
    profiler.disable()
    print(f"--- {page.name}")
    pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[],
                        help='a page name, repeated, or "case detail,queue, SSOS"')
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    options = parser.parse_args()
    chosen = chosen_pages(pages(), options.only)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for page in chosen:
        if options.profile:
            profile(page, options.requests, options.profile)
            continue
        cpu, wall, database = per_request_ms(page, options.requests, options.rounds)
        database_ms = (f", db {min(database):.2f}–{max(database):.2f} ms" if database
                       else "")
        print(f"{page.name}: CPU {min(cpu):.2f}–{max(cpu):.2f} ms (median "
              f"{statistics.median(cpu):.2f}), wall {min(wall):.2f}–{max(wall):.2f} ms"
              f"{database_ms} per request, {options.rounds} rounds of {options.requests}",
              flush=True)


if __name__ == "__main__":
    main()
