"""The job thread: a signed long poll for the next job, carried out, its result queued.

Results go into their own durable queue (`results/`) and are delivered like reads: in
order, the same bytes on every retry, across server outages. A job is carried out at
most once (the journal); one seen again gets its first result again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from reader_bridge.agent.apdu import Transport
from reader_bridge.agent.backoff import Backoff
from reader_bridge.agent.card_profile import ProfileError
from reader_bridge.agent.chip_write import WriteOrder, write_els
from reader_bridge.agent.jobs import Job, JobRefused, JobResult, open_job
from reader_bridge.agent.journal import job_id_of
from reader_bridge.agent.message import rfc3339
from reader_bridge.agent.signing import sign
from reader_bridge.agent.state import State

log = logging.getLogger("legitymacje_reader")

NEXT_JOB_PATH = "/api/readers/jobs/next/"
LONG_POLL_SECONDS = 20

# chip serial -> the card's transport and read chunk size, or None when no reader has it
CardFinder = Callable[[str], AbstractContextManager[tuple[Transport, int] | None]]


class JobRunner:
    def __init__(self, state: State, find_card: CardFinder, *,
                 on_result: Callable[[], None] = lambda: None, signer: Any = None,
                 read_now: Callable[[], int] | None = None, wait: int = LONG_POLL_SECONDS,
                 backoff_first: float = 1.0, backoff_max: float = 60.0) -> None:
        self.state = state
        self.config = state.config()
        self.key = state.key()
        self.server_key = state.server_public_key()
        self.find_card = find_card
        self.on_result = on_result
        self.signer = signer  # a cards.chip_signing.Pkcs11Signer for sign_els jobs
        self.read_now = read_now  # reads the cards in the readers now; returns how many
        self.wait = wait
        self.backoff = Backoff(backoff_first, backoff_max)
        self.client = httpx.Client(timeout=wait + 10, verify=self.config.verify)

    def run(self, stop: threading.Event) -> None:
        if self.server_key is None:
            log.warning("enrolled without the server's job key: no chip writes on this "
                        "workstation until `legitymacje-reader enrol --force`")
            return
        self.report_interrupted()
        while not stop.is_set():
            try:
                envelope = self.fetch()
            except (httpx.HTTPError, _Unavailable, RuntimeError) as error:
                if stop.is_set():  # the client was closed under the poll: stopping
                    return
                if isinstance(error, RuntimeError):
                    raise
                delay = self.backoff.next_delay()
                log.warning("no job poll (%s); retry in %.1f s", error, delay)
                stop.wait(delay)
                continue
            self.backoff.reset()
            if envelope is not None:
                self.handle(envelope)

    def close(self) -> None:
        self.client.close()

    def fetch(self) -> dict | None:
        """One signed long poll: the job envelope, or None when no job is due."""
        path = f"{NEXT_JOB_PATH}?{urlencode({'wait': self.wait})}"
        timestamp, nonce = rfc3339(datetime.now(UTC)), str(uuid.uuid4())
        signature = sign(self.key, f"GET\n{path}\n{timestamp}\n{nonce}".encode())
        response = self.client.get(self.config.endpoint(path), headers={
            "X-Reader-Device": self.config.device_id, "X-Reader-Timestamp": timestamp,
            "X-Reader-Nonce": nonce, "X-Reader-Signature": signature})
        if response.status_code == 204:
            return None
        if response.status_code != 200:
            raise _Unavailable(f"HTTP {response.status_code} {response.text[:200]}")
        try:
            return response.json()
        except ValueError as error:
            raise _Unavailable(f"not JSON: {error}") from error

    def handle(self, envelope: dict) -> str | None:
        """Carry out (or refuse) one job; the outcome of the result queued, if any."""
        assert self.server_key is not None
        try:
            job = open_job(envelope, self.server_key, self.config.device_id)
        except JobRefused as refusal:
            log.warning("job %s refused: %s", refusal.job_id or "?", refusal)
            if refusal.job_id is None:
                return None
            if refusal.authentic and (outcome := self._resend(refusal.job_id)):
                return outcome
            # A job the server did not sign says nothing true: answer, but do not journal.
            return self._finish(JobResult(refusal.job_id, "refused", failed_step=refusal.step,
                                          detail=str(refusal)), journal=refusal.authentic)
        if outcome := self._resend(job.job_id):
            return outcome
        log.info("job %s: %s %s", job.job_id, job.kind, job.card_number)
        return self._finish(self.carry_out(job))

    def carry_out(self, job: Job) -> JobResult:
        if job.kind == "write_els":
            return self._write(job)
        if job.kind == "sign_els":
            return self._sign(job)
        return self._read(job)

    def report_interrupted(self) -> None:
        """Writes the agent began but never finished (killed, power cut): the chip may be
        torn. The server hears it now rather than on the card's next read."""
        queued = {job_id_of(item.body()) for item in self.state.results.pending()}
        for job_id in self.state.journal.interrupted():
            if job_id in queued:  # the result was queued just before the agent stopped
                continue
            self._finish(JobResult(job_id, "failed", failed_step="interrupted",
                                   detail="the agent stopped during the write"))

    def _write(self, job: Job) -> JobResult:
        try:
            profile = self.state.card_profile.load()
        except ProfileError as error:
            return JobResult(job.job_id, "refused", job.chip_serial, failed_step="card_profile",
                             detail=str(error))
        order = WriteOrder(job.chip_serial, job.current_sha256, job.file,
                           resuming=job.repair or self.state.journal.write_begun(job.job_id))
        with self.find_card(job.chip_serial) as card:
            if card is None:
                return JobResult(job.job_id, "failed", job.chip_serial, failed_step="find_card",
                                 detail=f"chip {job.chip_serial} is in no reader")
            transport, chunk = card
            report = write_els(transport, order, profile, chunk=chunk,
                               on_first_write=lambda: self.state.journal.begin_write(job.job_id))
        return JobResult(job.job_id, report.outcome, job.chip_serial, read_back=report.read_back,
                         failed_step=report.failed_step, status_word=report.status_word,
                         detail=report.detail, timings_ms=report.timings_ms)

    def _sign(self, job: Job) -> JobResult:
        if self.signer is None:
            return JobResult(job.job_id, "refused", failed_step="sign",
                             detail="no signing card configured at this workstation")
        from cards.chip_signing import build_signed_els

        certificate = hashlib.sha256(_der(self.signer.certificate)).hexdigest()
        if certificate != job.certificate_sha256.lower():
            return JobResult(job.job_id, "refused", failed_step="certificate",
                             detail=f"this workstation signs with certificate {certificate}")
        try:
            signed = build_signed_els(job.content, self.signer, datetime.now(UTC))
        except Exception as error:  # the token's own errors (PIN blocked, card pulled)
            log.exception("signing failed")
            return JobResult(job.job_id, "failed", failed_step="sign", detail=str(error))
        return JobResult(job.job_id, "signed", signed_file=signed)

    def _read(self, job: Job) -> JobResult:
        if self.read_now is None:
            return JobResult(job.job_id, "refused", failed_step="read",
                             detail="this agent cannot read on request")
        count = self.read_now()
        return JobResult(job.job_id, "read", detail=f"{count} card(s) read")

    def _resend(self, job_id: str) -> str | None:
        """A job already done: queue its first result again (the server sees it once)."""
        if (body := self.state.journal.result(job_id)) is None:
            return None
        log.info("job %s was done before; sending its result again", job_id)
        self.state.results.add(lambda _sequence: body)
        self.on_result()
        return json.loads(body)["outcome"]

    def _finish(self, result: JobResult, journal: bool = True) -> str:
        body = result.encode()
        # Queue first: a crash before the journal entry leaves the result queued, and
        # report_interrupted sees it there.
        self.state.results.add(lambda _sequence: body)
        if journal:
            self.state.journal.finish(result.job_id, body)
        log.info("%s", result.summary())
        self.on_result()
        return result.outcome


class _Unavailable(Exception):
    pass


def _der(certificate: Any) -> bytes:
    if isinstance(certificate, bytes):
        return certificate
    if hasattr(certificate, "dump"):  # asn1crypto
        return certificate.dump()
    from cryptography.hazmat.primitives.serialization import Encoding

    return certificate.public_bytes(Encoding.DER)
