"""Ingest throughput: signed reads/s accepted by POST /api/readers/reads/ under gunicorn.

    .venv/bin/python bench/ingest/run.py [--runs 3] [--seconds 10] [--devices 20]
                                         [--workers 3] [--threads 4] [--connections 12]

Needs wrk (apt-get install wrk), and PostgreSQL and Redis on 127.0.0.1. The benchmark
creates its own database (`legit_bench_ingest`) and enrols `--devices` readers. It starts
gunicorn with the production configuration (legitymacje/gunicorn_conf.py), with Celery on
a real Redis broker but no worker, so processing does not compete for the CPU; the queue
is flushed afterwards. Then wrk, a small C load generator, posts distinct pre-signed reads,
each carrying a real EF.ELS file, from all the devices in turn, as a fleet of workstations
would.

Each run prints the reads accepted per second, counted as rows stored and checked against
wrk's answers. It also prints the latency percentiles and the CPU time per read of
gunicorn, PostgreSQL, Redis and wrk.
"""

from __future__ import annotations

import argparse
import base64
import collections
import http.client
import json
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
DATABASE = "legit_bench_ingest"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_DB = "redis://127.0.0.1:6379/14"
WRK_THREADS = 2
READS_PER_SECOND_PREPARED = 2500  # more distinct reads than the server can take


def environment() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_DB,
            "DEBUG": "0", "SECRET_KEY": "bench-only", "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING", "DB_CONN_MAX_AGE": "600",
            "DJANGO_SETTINGS_MODULE": "legitymacje.settings"}


def psql(sql: str, database: str = DATABASE) -> str:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAq", "-d", database,
                           "-c", sql], capture_output=True, text=True, check=True).stdout.strip()


def prepare(devices: int) -> list[tuple[str, str]]:
    """Fresh database, migrated, with enrolled devices: [(device_id, private key PEM)]."""
    psql(f"DROP DATABASE IF EXISTS {DATABASE}", "postgres")
    psql(f"CREATE DATABASE {DATABASE}", "postgres")
    subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=environment(),
                   check=True)
    script = f"""
import django, json
django.setup()
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cards.models import Unit
from reader_bridge.models import ReaderDevice
unit = Unit.objects.create(code="BENCH", name="Bench")
out = []
for n in range({devices}):
    key = Ed25519PrivateKey.generate()
    pub = key.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo)
    device = ReaderDevice.objects.create(name=f"bench-{{n}}", unit=unit,
                                         public_key_pem=pub.decode())
    pem = key.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption())
    out.append((str(device.pk), pem.decode()))
print(json.dumps(out))
"""
    result = subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=environment(), check=True,
                            capture_output=True, text=True)
    return [tuple(pair) for pair in json.loads(result.stdout.strip().splitlines()[-1])]


def signed_reads(devices: list[tuple[str, str]], count: int) -> list[tuple[str, bytes, str]]:
    """(device id, body, signature) for `count` distinct reads, the devices in turn."""
    sys.path.insert(0, str(ROOT))
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from cards.chip_testing import build_test_els_file

    keys = [(device_id, load_pem_private_key(pem.encode(), password=None))
            for device_id, pem in devices]
    els = base64.b64encode(build_test_els_file()).decode()
    sent_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    reads = []
    for n in range(count):
        device_id, key = keys[n % len(keys)]
        body = json.dumps({
            "message_id": str(uuid.uuid4()), "sent_at": sent_at, "sequence": n,
            "agent_version": "bench", "reader_name": "Bench reader", "outcome": "ok",
            "failed_step": None, "status_word": None,
            "atr": "3B8F8001804F0CA000000306030001000000006A",
            "files": {"els": els, "cert": None}, "timings_ms": {"total": 50.0},
        }, separators=(",", ":")).encode()
        reads.append((device_id, body, base64.b64encode(key.sign(body)).decode()))
    return reads


def wrk_script(reads: list[tuple[str, bytes, str]]) -> Path:
    """A wrk Lua script in which each thread posts its own share of `reads`, once each."""
    lines = ["local reads = {}"]
    for n, (device_id, body, signature) in enumerate(reads, start=1):
        lines.append(f'reads[{n}] = {{"{device_id}", "{signature}", [==[{body.decode()}]==]}}')
    lines.append(f"""
local threads, counter = {WRK_THREADS}, 0
function setup(thread) counter = counter + 1; thread:set("slice", counter) end
local next_index
function init(args) next_index = slice end
function request()
  local read = reads[((next_index - 1) % #reads) + 1]
  next_index = next_index + threads
  return wrk.format("POST", "/api/readers/reads/", {{
    ["Content-Type"] = "application/json", ["Host"] = "127.0.0.1",
    ["X-Reader-Device"] = read[1], ["X-Reader-Signature"] = read[2]}}, read[3])
end
""")
    path = Path(tempfile.mkstemp(suffix=".lua")[1])
    path.write_text("\n".join(lines))
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def warm_up(port: int, reads: list[tuple[str, bytes, str]]) -> None:
    """Every worker loads its code, opens its connections and learns the device keys."""
    for device_id, body, signature in reads:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("POST", "/api/readers/reads/", body=body, headers={
            "Content-Type": "application/json", "X-Reader-Device": device_id,
            "X-Reader-Signature": signature})
        assert connection.getresponse().status == 201
        connection.close()


def cpu_by_program(gunicorn_pid: int) -> collections.Counter:
    """CPU seconds so far of gunicorn's workers, the PostgreSQL and the Redis processes."""
    tick = os.sysconf("SC_CLK_TCK")
    usage: collections.Counter = collections.Counter()
    workers = Path(f"/proc/{gunicorn_pid}/task/{gunicorn_pid}/children").read_text().split()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if pid in workers:
            usage["gunicorn"] += seconds
        elif name.startswith(("postgres", "redis-server")):
            usage[name.split()[0].split(":")[0]] += seconds
    return usage


def wrk_children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(port: int, gunicorn_pid: int, reads, options) -> dict:
    script = wrk_script(reads)
    stored_before = int(psql("SELECT count(*) FROM reader_bridge_cardread"))
    cpu_before, wrk_before = cpu_by_program(gunicorn_pid), wrk_children_cpu()
    try:
        wrk = subprocess.run(
            ["wrk", "-t", str(WRK_THREADS), "-c", str(options.connections),
             "-d", f"{options.seconds}s", "--latency", "-s", str(script),
             f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    finally:
        script.unlink()
    cpu = cpu_by_program(gunicorn_pid) - cpu_before
    cpu["wrk"] = wrk_children_cpu() - wrk_before
    stored = int(psql("SELECT count(*) FROM reader_bridge_cardread")) - stored_before
    answered = int(re.search(r"(\d+) requests in", wrk).group(1))
    refused = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk)
    latency = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", wrk, re.MULTILINE))
    return {"reads_per_second": stored / options.seconds, "stored": stored,
            "answered": answered, "refused": int(refused.group(1)) if refused else 0,
            "latency": latency, "cpu_ms": {name: seconds / max(stored, 1) * 1000
                                           for name, seconds in cpu.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    parser.add_argument("--threads", type=int, default=4, help="per gthread worker")
    parser.add_argument("--connections", type=int, default=12)
    options = parser.parse_args()

    devices = prepare(options.devices)
    port = free_port()
    gunicorn = subprocess.Popen(
        [ROOT / ".venv" / "bin" / "gunicorn", "-c", "python:legitymacje.gunicorn_conf",
         "legitymacje.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(options.workers),
         "-k", options.worker_class, "--threads", str(options.threads),
         "--log-level", "warning"],
        cwd=ROOT, env=environment(), start_new_session=True)
    results = []
    try:
        wait_for(port)
        warm_up(port, signed_reads(devices, options.workers * options.threads * 4))
        for _ in range(options.runs):
            reads = signed_reads(devices, options.seconds * READS_PER_SECOND_PREPARED)
            results.append(one_run(port, gunicorn.pid, reads, options))
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=10)
        subprocess.run(["redis-cli", "-n", "14", "FLUSHDB"], capture_output=True, check=False)

    print(f"gunicorn {options.workers} {options.worker_class} workers x {options.threads} threads, "
          f"wrk {WRK_THREADS} threads x {options.connections} connections, "
          f"{options.devices} devices, {options.seconds} s per run, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    for n, run in enumerate(results, start=1):
        cpu = "  ".join(f"{name} {ms:.2f}" for name, ms in sorted(run["cpu_ms"].items()))
        print(f"run {n}: {run['reads_per_second']:.0f} reads/s accepted "
              f"({run['stored']} stored, {run['answered']} answered, {run['refused']} refused); "
              f"latency p50/p90/p99 {run['latency'].get('50')}/{run['latency'].get('90')}/"
              f"{run['latency'].get('99')}; CPU ms per read: {cpu}")
    rates = [run["reads_per_second"] for run in results]
    print(f"reads/s accepted: min {min(rates):.0f}, median {statistics.median(rates):.0f}, "
          f"max {max(rates):.0f}")
    return 0 if all(run["refused"] == 0 and run["stored"] >= run["answered"]
                    for run in results) else 1


if __name__ == "__main__":
    sys.exit(main())
