"""How the app talks to PostgreSQL: parameters bound on the server, repeated statements
prepared (so PostgreSQL can stop planning them anew), a switch for poolers that cannot
carry prepared statements, and SQLite (the demo) untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from django.db import connection

from cards.models import Unit
from tests.factories import UnitFactory


def _database_settings(**environ: str) -> dict:
    """DATABASES["default"] as the settings read it from this environment."""
    code = ("import json; from legitymacje import settings; "
            "print(json.dumps(settings.DATABASES['default'], default=str))")
    env = {**os.environ, **environ}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(run.stdout)


def test_postgresql_binds_on_the_server_and_prepares_repeated_statements():
    options = _database_settings(DATABASE_URL="postgres://u@db.invalid:5432/x")["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5
    assert options["options"] == "-c jit=off"


def test_prepared_statements_can_be_switched_off_for_a_transaction_pooler():
    options = _database_settings(DATABASE_URL="postgres://u@db.invalid:5432/x",
                                 DB_PREPARED_STATEMENTS="0")["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] is None


def test_sqlite_gets_no_postgresql_options():
    assert _database_settings(DATABASE_URL="sqlite:///demo.sqlite3").get("OPTIONS", {}) == {}


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_query_run_more_than_five_times_is_prepared_with_its_parameters_apart():
    units = [UnitFactory() for _ in range(6)]
    for unit in units:  # the same SQL each time, another parameter: prepared on the sixth
        assert Unit.objects.filter(pk=unit.pk).get() == unit
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
                       ['%FROM "cards_unit" WHERE "cards_unit"."id" = $1 %'])
        assert len(cursor.fetchall()) == 1
