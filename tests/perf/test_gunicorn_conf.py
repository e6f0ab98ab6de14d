"""The gunicorn configuration honours the worker class it is started with (`-k sync` used
to run threaded workers silently, because the configuration set threads), and sends each
response's headers and body together."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _config(*arguments: str, **env: str) -> dict[str, str]:
    printed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "-c",
         "python:legitymacje.gunicorn_conf", *arguments, "legitymacje.wsgi"],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=True).stdout
    pairs = (line.split("=", 1) for line in printed.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


@pytest.mark.parametrize(("arguments", "env", "worker", "threads"), [
    ((), {}, "gthread", "4"),
    ((), {"GUNICORN_THREADS": "8"}, "gthread", "8"),
    (("-k", "sync"), {}, "sync", "1"),
    (("--worker-class=sync",), {"GUNICORN_THREADS": "8"}, "sync", "1"),
    ((), {"GUNICORN_CMD_ARGS": "-k sync"}, "sync", "1"),
])
def test_worker_class_and_threads(arguments, env, worker, threads):
    config = _config(*arguments, **env)
    assert (config["worker_class"], config["threads"]) == (worker, threads)


@pytest.mark.skipif(not hasattr(socket, "TCP_CORK"), reason="TCP_CORK is Linux's")
def test_a_response_is_corked_while_the_request_runs_and_flushed_after_it():
    from legitymacje import gunicorn_conf

    with socket.create_server(("127.0.0.1", 0)) as server, \
            socket.create_connection(server.getsockname()) as client:
        connection, _address = server.accept()
        with connection:
            request = SimpleNamespace(unreader=SimpleNamespace(sock=connection))
            gunicorn_conf.pre_request(None, request)
            connection.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
            assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK) == 1
            gunicorn_conf.post_request(None, request, {}, None)
            assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK) == 0
            client.settimeout(5)
            assert client.recv(100) == b"HTTP/1.1 200 OK\r\n\r\n"


def test_a_unix_socket_is_left_as_it_is():
    from legitymacje import gunicorn_conf

    left, right = socket.socketpair()
    with left, right:
        request = SimpleNamespace(unreader=SimpleNamespace(sock=left))
        gunicorn_conf.pre_request(None, request)
        gunicorn_conf.post_request(None, request, {}, None)
