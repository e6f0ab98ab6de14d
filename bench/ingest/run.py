"""Ingest throughput: signed reads/s accepted by POST /api/readers/reads/ under gunicorn.

    .venv/bin/python bench/ingest/run.py [--workers 4] [--worker-class gthread --threads 8]
                                         [--clients 8] [--seconds 10]

Sets up its own PostgreSQL database (`legit_bench_ingest`), enrolls one device per client
process, starts gunicorn on a free port with Celery on a real Redis broker (no worker
runs, so processing does not compete for the CPU; the queue is purged afterwards), then
every client process posts pre-signed reads (a real EF.ELS file each) over its own
connections for the given time. Prints accepted reads/s and latency percentiles.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
DATABASE = "legit_bench_ingest"
REDIS_DB = "redis://127.0.0.1:6379/14"


def environment(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_DB,
            "DEBUG": "0", "SECRET_KEY": "bench-only", "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING", "DB_CONN_MAX_AGE": "600",
            "DJANGO_SETTINGS_MODULE": "legitymacje.settings"}


def prepare(database_url: str, devices: int) -> list[tuple[str, str]]:
    """Fresh database, migrated, with `devices` enrolled devices: [(device_id, key_pem)]."""
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c",
                    f"DROP DATABASE IF EXISTS {DATABASE}", "-c", f"CREATE DATABASE {DATABASE}"],
                   check=True)
    env = environment(database_url)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
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
    result = subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True)
    return [tuple(pair) for pair in json.loads(result.stdout.strip().splitlines()[-1])]


def cpu_seconds(parent: int) -> float:
    """User + system CPU time of the gunicorn workers (children of `parent`)."""
    total = 0.0
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


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


def warm_up(port: int) -> None:
    """Let every worker load the URLconf and open its database connection."""
    for _ in range(50):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("POST", "/api/readers/reads/", body=b"{}",
                           headers={"Content-Type": "application/json", "Host": "127.0.0.1"})
        connection.getresponse().read()
        connection.close()


def bodies(count: int, els: bytes) -> list[bytes]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    encoded = base64.b64encode(els).decode()
    return [json.dumps({
        "message_id": str(uuid.uuid4()), "sent_at": now, "sequence": n,
        "agent_version": "bench", "reader_name": "Bench reader", "outcome": "ok",
        "failed_step": None, "status_word": None,
        "atr": "3B8F8001804F0CA000000306030001000000006A",
        "files": {"els": encoded, "cert": None}, "timings_ms": {"total": 50.0},
    }, separators=(",", ":")).encode() for n in range(count)]


def client(port: int, device_id: str, key_pem: str, ready, seconds: float,
           keep_alive: bool, results) -> None:
    sys.path.insert(0, str(ROOT))
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from cards.chip_testing import build_test_els_file

    key = load_pem_private_key(key_pem.encode(), password=None)
    prepared = [(body, base64.b64encode(key.sign(body)).decode())
                for body in bodies(int(seconds * 1500), build_test_els_file())]
    latencies, statuses = [], {}
    connection = None
    ready.wait()  # every client has signed its bodies; gunicorn is warm
    stop = time.monotonic() + seconds
    for body, signature in prepared:
        if time.monotonic() >= stop:
            break
        began = time.perf_counter()
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("POST", "/api/readers/reads/", body=body, headers={
            "Content-Type": "application/json", "X-Reader-Device": device_id,
            "X-Reader-Signature": signature, "Host": "127.0.0.1",
        })
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - began)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if not keep_alive or response.getheader("Connection", "").lower() == "close":
            connection.close()
            connection = None
    results.put((latencies, statuses))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=8, help="per gthread worker")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    options = parser.parse_args()

    database_url = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
    devices = prepare(database_url, options.clients)
    port = free_port()
    gunicorn = subprocess.Popen(
        [ROOT / ".venv" / "bin" / "gunicorn", "legitymacje.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", str(options.workers), "-k", options.worker_class, "--threads", str(options.threads),
         "--log-level", "warning"],
        cwd=ROOT, env=environment(database_url), start_new_session=True)
    try:
        wait_for(port)
        warm_up(port)
        results = multiprocessing.Queue()
        ready = multiprocessing.Barrier(len(devices))
        processes = [multiprocessing.Process(target=client, args=(
            port, device_id, key_pem, ready, options.seconds,
            options.worker_class == "gthread", results)) for device_id, key_pem in devices]
        for process in processes:
            process.start()
        cpu_before = cpu_seconds(gunicorn.pid)
        collected = [results.get() for _ in processes]
        cpu_used = cpu_seconds(gunicorn.pid) - cpu_before
        for process in processes:
            process.join()
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=10)
        subprocess.run(["redis-cli", "-n", "14", "FLUSHDB"], capture_output=True, check=False)

    latencies = sorted(value for lat, _ in collected for value in lat)
    statuses: dict[int, int] = {}
    for _, counts in collected:
        for status, count in counts.items():
            statuses[status] = statuses.get(status, 0) + count
    accepted = statuses.get(201, 0)
    stored = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tA", "-d", DATABASE,
                             "-c", "SELECT count(*) FROM reader_bridge_cardread"],
                            capture_output=True, text=True, check=True).stdout.strip()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    print(f"gunicorn {options.workers} x {options.worker_class}, {options.clients} clients, "
          f"{options.seconds:.0f} s, {os.cpu_count()} CPUs")
    print(f"responses: {statuses}; rows stored: {stored}")
    print(f"accepted: {accepted / options.seconds:.0f} reads/s")
    load = os.getloadavg()[0]
    print(f"gunicorn CPU per accepted read: {cpu_used / max(accepted, 1) * 1000:.2f} ms "
          f"(load average {load:.1f}: other processes share these CPUs)")
    print(f"latency ms: p50 {percentile(50):.1f}  p90 {percentile(90):.1f}  "
          f"p99 {percentile(99):.1f}  max {latencies[-1] * 1000:.1f}  "
          f"mean {statistics.fmean(latencies) * 1000:.1f}")
    return 0 if accepted and set(statuses) == {201} else 1


if __name__ == "__main__":
    sys.exit(main())
