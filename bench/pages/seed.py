"""Seed PostgreSQL for the staff-page benchmark, inside the database (INSERT … SELECT).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/legit_pages .venv/bin/python \\
        bench/pages/seed.py --scale 1

--scale 1 is the size a large university reaches after years: 1,000,000 cards, 800,000
holders, 200,000 cases, ~5 M history rows (the reports' data set, bench/reports/seed.sql,
plus history.sql here); --scale 0.5 is the 100,000-case size. Then the users the runner
logs in as, one per role, all with the password BENCH_PASSWORD.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH_PASSWORD = "bench-password"
# username → (role group or None for a superuser, dean's office units)
USERS = {
    "bench-dziekanat": ("dziekanat", [1]),
    "bench-ssos": ("ssos", []),
    "bench-usos": ("usos", []),
    "bench-admin": (None, []),
}


def _reports_bench():
    """bench/reports/bench.py (sets Django up on import)."""
    spec = importlib.util.spec_from_file_location(
        "reports_bench", HERE.parent / "reports" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def create_users() -> None:
    from django.contrib.auth.models import Group, User

    from cards.models import Unit

    for username, (role, units) in USERS.items():
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(BENCH_PASSWORD)
        user.is_superuser = user.is_staff = role is None
        user.save()
        if role:
            user.groups.set([Group.objects.get_or_create(name=role)[0]])
        user.units.set(Unit.objects.filter(pk__in=units))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the full size (1 = 1,000,000 cards, 200,000 cases)")
    options = parser.parse_args()
    started = time.perf_counter()
    _reports_bench().seed(options.scale, extra_scripts=(HERE / "history.sql",),
                          extra_tables=("warranty_caseevent",), rollups=False)
    create_users()
    print(f"pages data set ready in {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
