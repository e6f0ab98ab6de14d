"""Resident memory of `legitymacje-reader run` with one reader after a few reads.

    .venv/bin/python -m tests.agent.measure_memory [--reads 10]

Starts a private pcscd with vpcd, a fake server, enrols, runs the agent as its own
process, inserts and removes a virtual ELS card `--reads` times, then prints VmRSS and
VmHWM of the agent process. Target: under 60 MB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _memory(pid: int) -> dict[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "Threads"):
            fields[key] = value.strip()
    return fields


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=10)
    reads = parser.parse_args().reads
    workdir = Path(tempfile.mkdtemp(prefix="agent-memory-"))
    os.environ["PCSCLITE_CSOCK_NAME"] = str(workdir / "pcscd.comm")

    from reader_bridge.agent.cli import enrol
    from reader_bridge.agent.state import State
    from tests.agent.conftest import ReaderSlot
    from tests.agent.els_blob import certificate_file, els_file
    from tests.agent.fake_server import ENROL_CODE, FakeServer
    from tests.agent.pcscd import PrivatePcscd

    daemon = PrivatePcscd(os.environ["PCSCLITE_CSOCK_NAME"])
    daemon.start()
    server = FakeServer()
    state = State(workdir / "state")
    enrol(state, server.url, ENROL_CODE, "memory-check", None, force=False)
    agent = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "reader_bridge.agent", "--state-dir", str(state.path), "run"],
        stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)
        print("after start:", _memory(agent.pid))
        slot = ReaderSlot(daemon)
        for number in range(1, reads + 1):
            card = slot.insert(els_file(), certificate_file())
            server.wait_for_messages(number)
            slot.remove(card)
        time.sleep(0.5)
        print(f"after {reads} reads:", _memory(agent.pid))
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(10)
        server.down()
        daemon.stop()
        shutil.rmtree(daemon.dir, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
