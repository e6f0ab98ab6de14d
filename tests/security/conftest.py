"""A real CAS server (tests/cas_server) in its own process, for the single sign-on tests."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cards.pesel import make_pesel

REPO = Path(__file__).resolve().parents[2]
CAS_PASSWORD = "haslo-uczelniane"
STUDENT_PESEL = make_pesel(dt.date(2004, 5, 17), 4321, female=True)
CAS_USERS = {
    "dziekanat": {"password": CAS_PASSWORD, "attributes": {"mail": "dziekanat@example.edu"}},
    "akowalska": {"password": CAS_PASSWORD, "attributes": {"pesel": STUDENT_PESEL}},
    "s654321": {"password": CAS_PASSWORD, "attributes": {"album": "654321"}},
    "obcy": {"password": CAS_PASSWORD, "attributes": {"album": "000001"}},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def cas_server(tmp_path_factory):
    """The CAS server's base URL (…/cas/); every address on this machine is a service."""
    from tests.conftest import _cas_available

    if _cas_available() is not None:
        pytest.skip(_cas_available())  # the marker fails it in CI before we get here
    workdir = tmp_path_factory.mktemp("cas-server")
    users = workdir / "users.json"
    users.write_text(json.dumps(CAS_USERS), encoding="utf-8")
    port = _free_port()
    env = {**os.environ, "CAS_TEST_DATABASE": str(workdir / "cas.sqlite3"),
           "CAS_TEST_USERS": str(users), "PYTHONPATH": str(REPO)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "tests.cas_server.serve", str(port)],
                               cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/cas/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = (workdir / "server.log").read_text()
                raise RuntimeError(f"the CAS server did not start: {output}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def with_cas(settings, cas_server):
    settings.CAS_SERVER_URL = cas_server
    return cas_server
