"""The production server (gunicorn with legitymacje.gunicorn_conf) answers reads and pages."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from django.conf import settings
from django.db import connection

from reader_bridge.models import CardRead

from .factories import read_body, signed_headers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")


@pytest.fixture
def production_server(tmp_path):
    port = _free_port()
    environment = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "legitymacje.settings", "DEBUG": "0",
        "SECRET_KEY": "test-only-" + "x" * 50, "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _database_url(), "REDIS_URL": "", "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1", "STATIC_ROOT": str(tmp_path / "static"),
        # The keys of the data at rest, as a deployment sets them: the same as this process's.
        "PESEL_ENCRYPTION_KEYS": ",".join(settings.PESEL_ENCRYPTION_KEYS),
        "PESEL_HASH_KEY": settings.PESEL_HASH_KEY,
    }
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                   cwd=ROOT, env=environment, check=True)
    server = subprocess.Popen(
        [Path(sys.executable).parent / "gunicorn", "-c", "python:legitymacje.gunicorn_conf",
         # gunicorn's control socket defaults to one path per user: runs side by side
         # would take it from each other.
         "--no-control-socket", "legitymacje.wsgi"], cwd=ROOT, env=environment)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.1)
        yield lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=60)  # a loaded CI
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_signed_read_and_a_page_over_https_behind_the_proxy(production_server, device):
    body = read_body()
    headers = signed_headers(device, body)
    client = production_server()
    client.request("POST", "/api/readers/reads/", body=body, headers={
        "Content-Type": "application/json", "X-Forwarded-Proto": "https",
        "X-Reader-Device": headers["HTTP_X_READER_DEVICE"],
        "X-Reader-Signature": headers["HTTP_X_READER_SIGNATURE"]})
    answer = client.getresponse()
    assert (answer.status, answer.read()) == (201, b'{"read_id": %d, "status": "accepted"}'
                                              % CardRead.objects.get().pk)

    client.request("GET", "/login/", headers={"X-Forwarded-Proto": "https"})
    page = client.getresponse()
    assert page.status == 200 and b"<form" in page.read()
