"""The servers a benchmark run starts: gunicorn with 2 sync workers, in its own process
group (so that stopping it stops its workers too), its log in the run's folder, ready when
it answers HTTP; stopped on every way out of the run, Ctrl-C included."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

WORKERS = 2


class ServerError(SystemExit):
    pass


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except urllib.error.HTTPError:
        return True  # a 302 to the login page or a 404 is an answer
    except OSError:
        return False


@contextlib.contextmanager
def gunicorn(name: str, command: list[str], *, port: int, cwd: Path, env: dict[str, str],
             log: Path, ready_path: str = "/login/", timeout: float = 60):
    """Run `command` (gunicorn, bound to 127.0.0.1:port) until the block ends; yields its URL."""
    if not port_is_free(port):
        raise ServerError(f"{name}: port {port} is in use (another run? choose --port)")
    # --timeout: the peer's dashboard takes tens of seconds under load; killed at gunicorn's
    # 30 s it would fail instead of counting as slow.
    command = [*command, "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
               "--worker-class", "sync", "--timeout", "600", "--no-control-socket"]
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=cwd, env=env, stdout=output,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not _answers(url + ready_path):
            if server.poll() is not None or time.monotonic() > deadline:
                tail = "".join(log.read_text().splitlines(keepends=True)[-15:])
                raise ServerError(f"{name} did not start ({' '.join(command)}):\n{tail}")
            time.sleep(0.3)
        yield url
    finally:
        _stop(server)


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()
