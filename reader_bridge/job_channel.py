"""The job channel's transport: signed long polls, signed jobs, signed results.

What a job *means* (which card, which file, what a result does to the card) is decided
in `reader_bridge.extension`; this module only authenticates the device, hands out the
next due job exactly once, and checks a result's envelope (docs/reader-protocol.md).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
import uuid

from pydantic import ValidationError as MessageInvalid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cards import chip

from .errors import IngestRejected
from .job_signing import signed_job
from .job_wakeup import job_ready_wait
from .models import ChipWriteJob, DeviceNonce, JobKind, JobState
from .serializers import JobResult, message_errors
from .services import MAX_BODY_BYTES, DeviceKey, check_signature, device_key_lookup

MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_WAIT_SECONDS = 25


class JobRejected(IngestRejected):
    """A poll or a result the server does not accept; nothing was changed."""


# --- fetching ---------------------------------------------------------------------------


def poll_authenticate(*, device_id: str | None, timestamp: str | None, nonce: str | None,
                      signature: str | None, path: str,
                      now: dt.datetime | None = None) -> DeviceKey:
    """The device of a signed GET: signature, clock and a never-seen nonce, in that order."""
    now = now or timezone.now()
    device = device_key_lookup(device_id)
    message = f"GET\n{path}\n{timestamp or ''}\n{nonce or ''}".encode()
    check_signature(device, signature, message)
    moment = parse_datetime(timestamp or "")
    if moment is None or moment.tzinfo is None:
        raise JobRejected(_("X-Reader-Timestamp must be an RFC 3339 time with its zone."),
                          code="invalid")
    if abs(moment - now) > MAX_CLOCK_SKEW:
        raise JobRejected(_("The request's time is more than 5 minutes off the server's "
                            "clock; check the workstation clock."), code="clock")
    try:
        nonce_id = uuid.UUID(nonce or "")
    except ValueError:
        raise JobRejected(_("X-Reader-Nonce must be a UUID."), code="invalid") from None
    try:
        with transaction.atomic():
            DeviceNonce.objects.create(device_id=device.pk, nonce=nonce_id, seen_at=now)
    except IntegrityError:
        raise JobRejected(_("This nonce was already used."), code="replay",
                          status_code=409) from None
    # Older nonces cannot come back: their timestamp would be refused above.
    DeviceNonce.objects.filter(seen_at__lt=now - 2 * MAX_CLOCK_SKEW).delete()
    return device


def job_claim(device_id, *, now: dt.datetime | None = None) -> ChipWriteJob | None:
    """The device's oldest due job, marked sent in the same transaction (so it goes out
    once, and a write counts as in progress from here on), or None."""
    now = now or timezone.now()
    with transaction.atomic():
        (ChipWriteJob.objects.filter(device_id=device_id, state=JobState.READY,
                                     expires_at__lte=now)
         .update(state=JobState.EXPIRED, finished_at=now))
        job = (ChipWriteJob.objects.select_for_update(skip_locked=True, of=("self",))
               .select_related("card", "certificate")
               .filter(device_id=device_id, state=JobState.READY, expires_at__gt=now)
               .order_by("created_at").first())
        if job is None:
            return None
        job.state, job.sent_at = JobState.SENT, now
        if job.kind == JobKind.WRITE_ELS:
            job.attempts += 1
        job.save(update_fields=["state", "sent_at", "attempts"])
    return job


def job_wait(device_id, *, wait_seconds: float) -> ChipWriteJob | None:
    """Claim a job, waiting up to `wait_seconds` for one (the long poll): the database
    is asked again whenever a job for the device is announced (`job_wakeup`)."""
    deadline = time.monotonic() + min(max(wait_seconds, 0), MAX_WAIT_SECONDS)
    while True:
        job = job_claim(device_id)
        remaining = deadline - time.monotonic()
        if job is not None or remaining <= 0:
            return job
        job_ready_wait(device_id, remaining)


def _b64(data: bytes | memoryview | None) -> str | None:
    return base64.b64encode(bytes(data)).decode() if data is not None else None


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def job_payload(job: ChipWriteJob) -> dict:
    """The job JSON the agent receives (before signing)."""
    payload = {
        "job_id": str(job.pk), "device_id": str(job.device_id), "kind": job.kind,
        "card_number": job.card.number, "chip_serial": job.chip_serial,
        "issued_at": _utc(job.created_at), "expires_at": _utc(job.expires_at),
    }
    if job.kind in (JobKind.WRITE_ELS, JobKind.SIGN_ELS):
        payload["current_sha256"] = job.current_sha256
    if job.kind == JobKind.WRITE_ELS:
        payload["file"] = _b64(job.new_file)
        # After a torn write the chip holds neither file: the agent writes over it.
        payload["repair"] = job.current_sha256 != hashlib.sha256(bytes(job.old_file)).hexdigest()
    if job.kind == JobKind.SIGN_ELS:
        payload["content"] = _b64(job.content)
        payload["certificate_sha256"] = chip.fingerprint(
            chip.load_certificate(job.certificate.certificate_pem.encode()))
    return payload


def job_signed(job: ChipWriteJob) -> dict:
    return signed_job(job_payload(job))


# --- results ----------------------------------------------------------------------------


def result_authenticate(*, job_id: str, device_id: str | None, signature: str | None,
                        body: bytes | None) -> tuple[DeviceKey, JobResult, str]:
    """(device, result, body SHA-256) of a signed result for `job_id`, or JobRejected."""
    if body is None or len(body) > MAX_BODY_BYTES:
        raise JobRejected(_("The message is larger than 64 KiB."), code="too_large",
                          status_code=413)
    device = device_key_lookup(device_id)
    check_signature(device, signature, body)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise JobRejected(_("The body is not valid UTF-8 JSON."), code="invalid") from None
    if not isinstance(data, dict):
        raise JobRejected(_("The body must be a JSON object."), code="invalid")
    try:
        result = JobResult.model_validate(data)
    except MessageInvalid as exc:
        raise JobRejected(_("The message does not follow the schema."), code="invalid",
                          errors=message_errors(exc)) from None
    if str(result.job_id) != str(job_id):
        raise JobRejected(_("The result names another job than its address."),
                          code="wrong_job")
    return device, result, hashlib.sha256(body).hexdigest()
