"""The gunicorn configuration honours the worker class it is started with: `-k sync` used
to run threaded workers silently, because the configuration set threads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
