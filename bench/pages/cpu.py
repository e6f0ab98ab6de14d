"""CPU time per request of the staff pages, in this process (Django's test client, no HTTP).

    DATABASE_URL=postgres://…/legit_pages REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/pages/cpu.py --only "case detail,queue, SSOS" --requests 200

On a machine shared with other work the CPU time this process spends per request
(`time.process_time`) is steadier than wall time; the database's own time is not in it
(it is in the wall time beside it). `--profile N` prints the N most expensive functions
(cProfile, cumulative) of each page instead.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time

from run import Page, chosen_pages, pages  # also sets up Django with bench_settings

from django.contrib.auth.models import User
from django.test import Client


def _client(page: Page) -> Client:
    client = Client()
    if page.user:
        client.force_login(User.objects.get(username=page.user))
    return client


def _request(client: Client, page: Page):
    response = client.post(page.path, page.post) if page.post else client.get(page.path)
    assert response.status_code == 200, (page.name, response.status_code)
    return response


def per_request_ms(page: Page, requests: int, rounds: int) -> tuple[list[float], list[float]]:
    """(CPU ms, wall ms) per request, one figure per round."""
    client = _client(page)
    for _ in range(10):  # warm: session, templates, prepared statements
        _request(client, page)
    cpu, wall = [], []
    for _round in range(rounds):
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        for _ in range(requests):
            _request(client, page)
        cpu.append((time.process_time() - started_cpu) * 1000 / requests)
        wall.append((time.perf_counter() - started_wall) * 1000 / requests)
    return cpu, wall


def profile(page: Page, requests: int, top: int) -> None:
    client = _client(page)
    for _ in range(10):
        _request(client, page)
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
        cpu, wall = per_request_ms(page, options.requests, options.rounds)
        print(f"{page.name}: CPU {min(cpu):.2f}–{max(cpu):.2f} ms (median "
              f"{statistics.median(cpu):.2f}), wall {min(wall):.2f}–{max(wall):.2f} ms "
              f"per request, {options.rounds} rounds of {options.requests}", flush=True)


if __name__ == "__main__":
    main()
