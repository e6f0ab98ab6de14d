"""What the agent did with each job, on disk, so a job is carried out at most once.

    jobs/<job_id>.writing      written (fsync'd) just before the first UPDATE BINARY
    jobs/<job_id>.result.json  the result body, once the job is over

A job seen again (the server re-sent it, or someone replays it) gets the same result
again, never a second write. A `.writing` without a result after a restart means the
agent stopped mid-write: the chip may be torn, and the server is told so.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from reader_bridge.agent.storage import write_durably

KEEP_SECONDS = 30 * 24 * 3600  # a job expires within minutes; a month is plenty


class JobJournal:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.dir.mkdir(exist_ok=True, mode=0o700)

    def begin_write(self, job_id: str) -> None:
        write_durably(self.dir / f"{job_id}.writing", b"")

    def write_begun(self, job_id: str) -> bool:
        return (self.dir / f"{job_id}.writing").exists()

    def finish(self, job_id: str, result_body: bytes) -> None:
        write_durably(self.dir / f"{job_id}.result.json", result_body)

    def result(self, job_id: str) -> bytes | None:
        try:
            return (self.dir / f"{job_id}.result.json").read_bytes()
        except FileNotFoundError:
            return None

    def interrupted(self) -> list[str]:
        """Jobs whose write began but that have no result: the agent stopped mid-write."""
        return sorted(path.name.removesuffix(".writing") for path in self.dir.glob("*.writing")
                      if self.result(path.name.removesuffix(".writing")) is None)

    def prune(self, now: float | None = None) -> None:
        cutoff = (now or time.time()) - KEEP_SECONDS
        for entry in os.scandir(self.dir):
            if entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)


def job_id_of(body: bytes) -> str:
    return json.loads(body)["job_id"]
