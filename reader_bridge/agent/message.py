"""One card read and its message body as the protocol (docs/reader-protocol.md) defines it."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from reader_bridge.agent import __version__

OUTCOMES = ("ok", "no_reader", "no_card", "no_atr", "apdu_error", "timeout", "removed")


@dataclass
class ReadResult:
    reader_name: str
    outcome: str
    failed_step: str | None = None
    status_word: str | None = None
    atr: bytes | None = None
    els: bytes | None = None
    cert: bytes | None = None
    chip_serial: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    taken_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")

    def summary(self) -> str:
        where = f" at {self.failed_step}" if self.failed_step else ""
        status = f" ({self.status_word})" if self.status_word else ""
        return f"{self.reader_name}: {self.outcome}{where}{status}"


def encode_read(result: ReadResult, sequence: int, message_id: str | None = None) -> bytes:
    """The exact body bytes that are queued, signed and posted (never re-encoded later)."""
    body = {
        "message_id": message_id or str(uuid.uuid4()),
        # Clock skew: the read time, not the (possibly much later) delivery time.
        "sent_at": rfc3339(result.taken_at),
        "sequence": sequence,
        "agent_version": __version__,
        "reader_name": result.reader_name,
        "outcome": result.outcome,
        "failed_step": result.failed_step,
        "status_word": result.status_word,
        "atr": result.atr.hex().upper() if result.atr else None,
        "files": {"els": _b64(result.els), "cert": _b64(result.cert)},
        # Not in the first protocol draft; the server checks it against the signed data.
        "chip_serial": result.chip_serial,
        "timings_ms": result.timings_ms,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond // 1000:03d}Z"


def _b64(content: bytes | None) -> str | None:
    return None if content is None else base64.b64encode(content).decode("ascii")
