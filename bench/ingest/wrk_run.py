"""Ingest throughput with `wrk` as the load generator (apt-get install wrk).

    .venv/bin/python bench/ingest/wrk_run.py [--workers 3] [--threads 4] [--seconds 10]

The Python clients of run.py spend a good share of the two cores themselves; wrk is a
small C program, so this measures what the server does with the machine. Every request
is a distinct pre-signed read (its own message id): each wrk thread walks its own slice
of them, so accepted reads = rows stored.
"""

from __future__ import annotations

import argparse
import base64
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (  # noqa: E402
    DATABASE,
    ROOT,
    bodies,
    cpu_seconds,
    environment,
    free_port,
    prepare,
    wait_for,
    warm_up,
)

WRK_THREADS = 2


def lua_script(device_id: str, key_pem: str, count: int) -> str:
    sys.path.insert(0, str(ROOT))
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from cards.chip_testing import build_test_els_file

    key = load_pem_private_key(key_pem.encode(), password=None)
    lines = ["local bodies = {}", "local signatures = {}"]
    for n, body in enumerate(bodies(count, build_test_els_file()), start=1):
        lines.append(f"bodies[{n}] = [==[{body.decode()}]==]")
        lines.append(f'signatures[{n}] = "{base64.b64encode(key.sign(body)).decode()}"')
    lines.append(f"""
local threads, counter = {WRK_THREADS}, 0
function setup(thread) counter = counter + 1; thread:set("slice", counter) end
local next_index
function init(args) next_index = slice end
function request()
  local i = next_index
  next_index = next_index + threads
  if i > #bodies then i = ((i - 1) % #bodies) + 1 end
  return wrk.format("POST", "/api/readers/reads/", {{
    ["Content-Type"] = "application/json", ["Host"] = "127.0.0.1",
    ["X-Reader-Device"] = "{device_id}", ["X-Reader-Signature"] = signatures[i]}}, bodies[i])
end
""")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="per gthread worker")
    parser.add_argument("--connections", type=int, default=12)
    parser.add_argument("--seconds", type=int, default=10)
    options = parser.parse_args()

    database_url = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
    (device_id, key_pem), = prepare(database_url, 1)
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(lua_script(device_id, key_pem, options.seconds * 2000))
    port = free_port()
    gunicorn = subprocess.Popen(
        [ROOT / ".venv" / "bin" / "gunicorn", "legitymacje.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", str(options.workers), "-k", options.worker_class,
         "--threads", str(options.threads),
         "--log-level", "warning"],
        cwd=ROOT, env=environment(database_url), start_new_session=True)
    try:
        wait_for(port)
        warm_up(port)
        cpu_before = cpu_seconds(gunicorn.pid)
        wrk = subprocess.run(
            ["wrk", "-t", str(WRK_THREADS), "-c", str(options.connections),
             "-d", f"{options.seconds}s", "--latency", "-s", str(script),
             f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True)
        cpu_used = cpu_seconds(gunicorn.pid) - cpu_before
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=10)
        script.unlink()
        subprocess.run(["redis-cli", "-n", "14", "FLUSHDB"], capture_output=True, check=False)
    stored = int(subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tA", "-d", DATABASE, "-c",
         "SELECT count(*) FROM reader_bridge_cardread"],
        capture_output=True, text=True, check=True).stdout.strip())
    print(wrk.stdout)
    print(f"gunicorn {options.workers} x {options.worker_class}({options.threads}), "
          f"wrk {WRK_THREADS} threads "
          f"{options.connections} connections, {options.seconds} s, {os.cpu_count()} CPUs")
    print(f"reads stored: {stored} = {stored / options.seconds:.0f} reads/s accepted")
    print(f"gunicorn CPU per stored read: {cpu_used / max(stored, 1) * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
