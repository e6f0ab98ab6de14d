"""The persistent connection's health check: a database restart (the server ending every
connection) costs the next request a reconnection, not a 500, and a quiet connection is
not checked with a round trip."""

from __future__ import annotations

import select
import time
import wsgiref.util

import psycopg
import pytest

from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client

from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _get(path: str, cookies: str) -> int:
    """The status of one request through the WSGI handler as gunicorn calls it (the test
    client leaves out the request_started handler that recycles connections)."""
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "HTTP_HOST": "testserver",
               "HTTP_COOKIE": cookies}
    wsgiref.util.setup_testing_defaults(environ)
    statuses = []
    response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    response.close()
    return int(statuses[0].split()[0])


def _logged_in_cookies() -> str:
    client = Client()
    client.force_login(UserFactory())
    return "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())


def _terminate_backend(pid: int) -> None:
    """What a restart does to each connection: the server ends it from its side."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while not select.select([connection.connection.fileno()], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "the server did not end the connection"


@pytest.fixture(autouse=True)
def _fresh_connection_afterwards():
    yield
    connection.close()  # the database's teardown gets a new one


def _ended_by_the_server() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        _terminate_backend(cursor.fetchone()[0])


def test_a_request_after_the_server_ended_the_connection_reconnects():
    cookies = _logged_in_cookies()
    assert _get("/", cookies) == 200
    _ended_by_the_server()

    assert _get("/", cookies) == 200
    assert _get("/", cookies) == 200


def test_a_quiet_connection_passes_without_a_query():
    connection.ensure_connection()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(type(connection.connection), "cursor",
                      lambda *args, **kwargs: pytest.fail("the check sent a query"))
        assert connection.is_usable()


def test_an_ended_connection_is_not_usable():
    _ended_by_the_server()
    assert not connection.is_usable()
