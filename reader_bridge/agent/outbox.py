"""The on-disk queue of reads: one fsync'd file per read, named by its sequence number.

A read is written here before any network attempt and leaves only when the server took
it (`delivered`) or refused it for good (`reject`, kept in `rejected/` for a person).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reader_bridge.agent.storage import fsync_dir, write_durably


@dataclass(frozen=True)
class QueuedRead:
    sequence: int
    path: Path

    def body(self) -> bytes:
        return self.path.read_bytes()


class Outbox:
    def __init__(self, directory: Path) -> None:
        self.queue_dir = directory / "queue"
        self.rejected_dir = directory / "rejected"
        self._counter = directory / "sequence"
        self._lock = directory / "sequence.lock"
        self.queue_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.rejected_dir.mkdir(exist_ok=True, mode=0o700)

    def add(self, make_body: Callable[[int], bytes]) -> int:
        """Give the next sequence number to `make_body` and store the body durably."""
        with self._locked():
            sequence = max([self._last_counted(), *self._sequences(self.queue_dir),
                            *self._sequences(self.rejected_dir)], default=0) + 1
            # Counter first: a crash in between leaves a gap, never a reused number.
            write_durably(self._counter, str(sequence).encode())
            write_durably(self.queue_dir / _name(sequence), make_body(sequence))
        return sequence

    def pending(self) -> list[QueuedRead]:
        """Queued reads, oldest (lowest sequence) first."""
        return [QueuedRead(sequence, self.queue_dir / _name(sequence))
                for sequence in sorted(self._sequences(self.queue_dir))]

    def delivered(self, item: QueuedRead) -> None:
        item.path.unlink(missing_ok=True)  # another process may have delivered it too
        fsync_dir(self.queue_dir)

    def reject(self, item: QueuedRead, status: int, answer: str) -> None:
        reason = {"sequence": item.sequence, "status": status, "answer": answer[:2000]}
        write_durably(self.rejected_dir / f"{item.sequence:012d}.reason.json",
                       json.dumps(reason, ensure_ascii=False).encode())
        try:
            os.replace(item.path, self.rejected_dir / item.path.name)
        except FileNotFoundError:
            return
        fsync_dir(self.queue_dir)
        fsync_dir(self.rejected_dir)

    def rejected(self) -> list[int]:
        return sorted(self._sequences(self.rejected_dir))

    def _last_counted(self) -> int:
        try:
            return int(self._counter.read_text() or 0)
        except FileNotFoundError:
            return 0

    @staticmethod
    def _sequences(directory: Path) -> Iterator[int]:
        for entry in os.scandir(directory):
            stem, dot, suffix = entry.name.partition(".")
            if suffix == "json" and stem.isdigit():
                yield int(stem)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # `run` and `simulate` may share a state directory: one sequence, no collisions.
        with open(self._lock, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield


def _name(sequence: int) -> str:
    return f"{sequence:012d}.json"

