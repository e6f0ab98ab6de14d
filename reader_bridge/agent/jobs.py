"""A job from the server and its result, as docs/reader-protocol.md ("Jobs") defines them.

A job arrives as the exact JSON bytes plus the server's Ed25519 signature over them. The
agent believes nothing in it before the signature checks out with the server key it got
at enrolment; then the job must be for this device and not expired.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from reader_bridge.agent.message import rfc3339
from reader_bridge.agent.signing import verify

KINDS = ("write_els", "sign_els", "read_els")
RESULT_OUTCOMES = ("written", "signed", "read", "failed", "refused")


class JobRefused(Exception):
    """The job must not be carried out; `job_id` is None when it cannot be told.

    `authentic`: the server did sign it (so its job id may be journaled).
    """

    def __init__(self, step: str, detail: str, job_id: str | None = None,
                 authentic: bool = False) -> None:
        super().__init__(detail)
        self.step = step
        self.job_id = job_id
        self.authentic = authentic


@dataclass(frozen=True)
class Job:
    job_id: str
    device_id: str
    kind: str
    expires_at: datetime
    card_number: str = ""
    chip_serial: str = ""
    current_sha256: str = ""
    file: bytes = b""
    content: bytes = b""
    certificate_sha256: str = ""
    repair: bool = False  # the server knows this chip's write was torn: write over it

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def open_job(envelope: dict, server_public_key: str, device_id: str,
             now: datetime | None = None) -> Job:
    """The job in a `jobs/next/` answer, once its signature, device and expiry check out."""
    try:
        body = base64.b64decode(envelope["job"], validate=True)
        signature = envelope["signature"]
    except (KeyError, TypeError, binascii.Error) as error:
        raise JobRefused("job", f"malformed job envelope: {error}") from error
    signed = isinstance(signature, str) and verify(server_public_key, body, signature)
    try:
        job = _parse(body)
    except JobRefused as refusal:
        refusal.authentic = signed
        raise
    if not signed:
        raise JobRefused("signature", "the job's signature does not verify with the server "
                         "key", job.job_id)
    if job.device_id != device_id:
        raise JobRefused("device", f"the job is for device {job.device_id}, not this one",
                         job.job_id, authentic=True)
    if job.expired(now or datetime.now(UTC)):
        raise JobRefused("expired", f"the job expired at {rfc3339(job.expires_at)}",
                         job.job_id, authentic=True)
    return job


def _parse(body: bytes) -> Job:
    data = None
    try:
        data = json.loads(body)
        job = Job(job_id=str(uuid.UUID(data["job_id"])), device_id=str(data["device_id"]),
                  kind=data["kind"], expires_at=_moment(data["expires_at"]),
                  card_number=data.get("card_number") or "",
                  chip_serial=data.get("chip_serial") or "",
                  current_sha256=data.get("current_sha256") or "",
                  file=_bytes(data.get("file")), content=_bytes(data.get("content")),
                  certificate_sha256=data.get("certificate_sha256") or "",
                  repair=data.get("repair") is True)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise JobRefused("job", f"malformed job: {error}", _job_id_in(data)) from error
    if job.kind not in KINDS:
        raise JobRefused("job", f"unknown job kind {job.kind!r}", job.job_id)
    if job.kind == "write_els" and not (job.chip_serial and job.current_sha256 and job.file):
        raise JobRefused("job", "a write_els job needs chip_serial, current_sha256 and file",
                         job.job_id)
    return job


def _job_id_in(data: object) -> str | None:
    """The job id of a malformed job, if it has a usable one to report the refusal under."""
    try:
        return str(uuid.UUID(data["job_id"]))  # type: ignore[index]
    except (TypeError, KeyError, ValueError, AttributeError):
        return None


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment


def _bytes(text: str | None) -> bytes:
    return base64.b64decode(text, validate=True) if text else b""


@dataclass
class JobResult:
    job_id: str
    outcome: str
    chip_serial: str | None = None
    read_back: bytes | None = None
    signed_file: bytes | None = None
    failed_step: str | None = None
    status_word: str | None = None
    detail: str | None = None
    timings_ms: dict[str, float] | None = None
    finished_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.outcome not in RESULT_OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")

    def encode(self) -> bytes:
        """The exact body bytes that are queued, signed and posted (never re-encoded)."""
        body = {
            "job_id": self.job_id, "outcome": self.outcome, "chip_serial": self.chip_serial,
            "read_back": _b64(self.read_back), "signed_file": _b64(self.signed_file),
            "failed_step": self.failed_step, "status_word": self.status_word,
            "detail": self.detail and self.detail[:500], "timings_ms": self.timings_ms or {},
            "finished_at": rfc3339(self.finished_at or datetime.now(UTC)),
        }
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()

    def summary(self) -> str:
        where = f" at {self.failed_step}" if self.failed_step else ""
        status = f" ({self.status_word})" if self.status_word else ""
        return f"job {self.job_id}: {self.outcome}{where}{status}"


def result_path(body: bytes) -> str:
    return f"/api/readers/jobs/{json.loads(body)['job_id']}/result/"


def _b64(content: bytes | None) -> str | None:
    return None if content is None else base64.b64encode(content).decode("ascii")
