"""Reader bridge services: enrol a device, accept a read, ask a reader for the next read.

The ingest path is deliberately short (one device lookup, one insert): everything that
takes time (codec, signature check, identification, diagnosis) runs in `processing`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import redis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey
from pydantic import ValidationError as MessageInvalid

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cards import chip, compiled_queries
from cards.models import Card, Unit

from .errors import EnrolmentRefused, IngestRejected
from .models import (
    READ_REQUEST_LIFETIME,
    CardRead,
    EnrolmentCode,
    ProcessingState,
    ReaderDevice,
    ReadRequest,
    TrustedCertificate,
)
from .read_store import insert_unless_revoked
from .serializers import ReadFiles, ReadMessage, message_errors

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_CLOCK_AHEAD = dt.timedelta(minutes=5)
MAX_READ_AGE = dt.timedelta(days=7)
LAST_SEEN_GRANULARITY = dt.timedelta(seconds=30)
PROCESSING_SCHEDULED = "reader_bridge:processing-scheduled"
# Longer than the sweeper period would only delay recovery after a lost task.
PROCESSING_FLAG_SECONDS = 50


# --- enrolment -----------------------------------------------------------------------


def enrolment_code_create(*, unit: Unit | None = None, for_ssos: bool = False,
                          created_by: Any = None) -> EnrolmentCode:
    """A code for a reader of a dean's office `unit`, or (`for_ssos`) of SSOS."""
    return EnrolmentCode.objects.create(unit=None if for_ssos else unit, for_ssos=for_ssos,
                                        created_by=created_by)


def device_enrol(*, code: str, public_key_pem: str, name: str,
                 now: dt.datetime | None = None) -> ReaderDevice:
    """Consume a one-time code and register the agent's Ed25519 public key."""
    now = now or timezone.now()
    _load_public_key(public_key_pem)
    with transaction.atomic():
        enrolment = (EnrolmentCode.objects.select_for_update()
                     .filter(code=code.strip().upper()).first())
        if enrolment is None or not enrolment.is_usable(now):
            raise EnrolmentRefused(_("The enrolment code is unknown, used or expired."))
        device = ReaderDevice.objects.create(name=name, unit_id=enrolment.unit_id,
                                             for_ssos=enrolment.for_ssos,
                                             public_key_pem=public_key_pem.strip(),
                                             enrolled_at=now)
        enrolment.used_at = now
        enrolment.device = device
        enrolment.save(update_fields=["used_at", "device"])
    return device


def device_revoke(*, device: ReaderDevice, now: dt.datetime | None = None) -> None:
    if device.revoked_at is None:
        device.revoked_at = now or timezone.now()
        device.save(update_fields=["revoked_at"])


@lru_cache(maxsize=1024)
def _load_public_key(pem: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        raise EnrolmentRefused(_("The public key is not a PEM public key."),
                               code="invalid_key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise EnrolmentRefused(_("The public key must be an Ed25519 key."), code="invalid_key")
    return key


# --- ingest ----------------------------------------------------------------------------


def message_too_large() -> IngestRejected:
    return IngestRejected(_("The message is larger than 64 KiB."), code="too_large",
                          status_code=413)


def read_ingest(*, device_id: str | None, signature: str | None, body: bytes,
                now: dt.datetime | None = None) -> tuple[int, bool]:
    """Check and store one signed read message; (read id, created).

    The checks run in the protocol's order and nothing is stored unless all pass. A
    retry with the very same body returns the stored read's id with created=False.
    """
    now = now or timezone.now()
    if len(body) > MAX_BODY_BYTES:
        raise message_too_large()
    device = _device_key(device_id)
    check_signature(device, signature, body)
    text, message = _validated_message(body)
    if message.sent_at > now + MAX_CLOCK_AHEAD:
        raise IngestRejected(_("The read is dated in the future; check the workstation clock."),
                             code="future")
    if message.sent_at < now - MAX_READ_AGE:
        raise IngestRejected(_("The read is older than 7 days."), code="stale")
    digest = hashlib.sha256(body).hexdigest()
    files = message.files or ReadFiles()
    try:
        read_id = insert_unless_revoked({
            "device_id": device.pk, "message_id": message.message_id, "body_sha256": digest,
            "body": text, "received_at": now, "read_at": message.sent_at,
            "sequence": message.sequence, "outcome": message.outcome,
            "failed_step": message.failed_step or "", "status_word": message.status_word or "",
            "atr": (message.atr or "").upper(), "chip_serial": message.chip_serial or "",
            "els_file": files.els, "cert_file": files.cert,
        })
    except IntegrityError:
        return _earlier_delivery(device, message.message_id, digest), False
    if read_id is None:  # revoked (or deleted) since this process cached the key
        _device_key.cache_clear()
        _device_key(device_id)  # raises the precise refusal
        raise _revoked()
    transaction.on_commit(enqueue_processing)
    _note_seen(device.pk, now)
    return read_id, True


def _earlier_delivery(device: DeviceKey, message_id, digest: str) -> int:
    """The id of the read stored under this message id, if the body is the same (a retry)."""
    stored = (CardRead.objects.filter(device_id=device.pk, message_id=message_id)
              .values_list("pk", "body_sha256").first())
    if stored is None:
        raise IntegrityError("card read insert failed without an earlier delivery")
    if stored[1] != digest:
        raise IngestRejected(_("This message id was already used for a different message."),
                             code="replay", status_code=409)
    return stored[0]


@dataclass(frozen=True)
class DeviceKey:
    """What ingest needs of a device: its id and its public key, which never change.

    Signatures are checked with libsodium (PyNaCl), which verifies Ed25519 in about half
    the time OpenSSL takes (58 against 106 µs here): ingest checks one per read.
    """

    pk: Any
    verify_key: VerifyKey


def _revoked() -> IngestRejected:
    return IngestRejected(_("This reader device has been revoked."), code="revoked",
                          status_code=403)


def device_key_lookup(device_id: str | None) -> DeviceKey:
    """An active device's key, looked up now (the job channel checks revocation so)."""
    try:
        row = (ReaderDevice.objects.filter(pk=device_id)
               .values_list("pk", "public_key_pem", "revoked_at").first()
               if device_id else None)
    except ValidationError:  # not a UUID
        row = None
    if row is None:
        raise IngestRejected(_("Unknown reader device."), code="unknown_device", status_code=403)
    pk, public_key_pem, revoked_at = row
    if revoked_at is not None:
        raise _revoked()
    raw_key = _load_public_key(public_key_pem).public_bytes(serialization.Encoding.Raw,
                                                            serialization.PublicFormat.Raw)
    return DeviceKey(pk=pk, verify_key=VerifyKey(raw_key))


# An active device's key, kept for the life of the process. Refusals raise, so they are
# never cached: a device enrolled a moment later is known at once. A revocation needs no
# cache entry dropped either: the INSERT itself checks it (read_store), and the first
# refused read clears this cache.
_device_key = lru_cache(maxsize=4096)(device_key_lookup)


_last_seen_written: dict[Any, dt.datetime] = {}


def _note_seen(device_id: Any, now: dt.datetime) -> None:
    """Keep `last_seen_at` current to LAST_SEEN_GRANULARITY, not one UPDATE per read."""
    written = _last_seen_written.get(device_id)
    if written is not None and written > now - LAST_SEEN_GRANULARITY:
        return
    _last_seen_written[device_id] = now
    (ReaderDevice.objects.filter(pk=device_id)
     .filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=now))
     .update(last_seen_at=now))


def check_signature(device: DeviceKey, signature: str | None, body: bytes) -> None:
    try:
        device.verify_key.verify(body, base64.b64decode(signature or "", validate=True))
    except (binascii.Error, ValueError, BadSignatureError):
        raise IngestRejected(_("The signature does not match the message."),
                             code="bad_signature", status_code=403) from None


def _validated_message(body: bytes) -> tuple[str, ReadMessage]:
    """The body as text and the validated message."""
    try:
        text = body.decode("utf-8")  # json.loads would also take UTF-16/32 bytes
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: deep nesting
        raise IngestRejected(_("The body is not valid UTF-8 JSON."), code="invalid") from None
    if "\\u0000" in text:  # PostgreSQL text cannot hold NUL; no field has a use for it
        raise IngestRejected(_("The message contains a NUL character."), code="invalid")
    if not isinstance(data, dict):
        raise IngestRejected(_("The body must be a JSON object."), code="invalid")
    try:
        return text, ReadMessage.model_validate(data)
    except MessageInvalid as exc:
        raise IngestRejected(_("The message does not follow the schema."), code="invalid",
                             errors=message_errors(exc)) from None


@lru_cache(maxsize=1)
def _redis() -> redis.Redis | None:
    # Straight to Redis on the hot path: Django's cache builds a client object per call.
    return redis.Redis.from_url(settings.REDIS_URL) if settings.REDIS_URL else None


def processing_flag_claim() -> bool:
    """Set the "processing scheduled" flag; False if it was already set."""
    client = _redis()
    if client is None:
        return cache.add(PROCESSING_SCHEDULED, 1, timeout=PROCESSING_FLAG_SECONDS)
    return bool(client.set(PROCESSING_SCHEDULED, 1, nx=True, ex=PROCESSING_FLAG_SECONDS))


def processing_flag_clear() -> None:
    client = _redis()
    if client is None:
        cache.delete(PROCESSING_SCHEDULED)
    else:
        client.delete(PROCESSING_SCHEDULED)


def enqueue_processing() -> None:
    """Make sure a processing task is on its way: one per burst of reads, not one per read.

    The flag is cleared by the task before each look for pending reads, so a read stored
    while the flag is set is always seen. If the broker is down the read stays pending
    and the sweeper re-sends.
    """
    from .tasks import process_pending_reads_task

    try:
        if processing_flag_claim():
            process_pending_reads_task.delay()
    except Exception:  # broker or cache down: the sweeper retries
        with contextlib.suppress(Exception):  # Redis itself may be what is down
            processing_flag_clear()
        logger.warning("could not schedule card read processing; the sweeper will retry",
                       exc_info=True)


def pending_reads_resend(*, older_than: dt.timedelta = dt.timedelta(minutes=1)) -> int:
    """Schedule processing again if reads are still pending after `older_than`."""
    cutoff = timezone.now() - older_than
    stuck = CardRead.objects.filter(state=ProcessingState.PENDING, received_at__lt=cutoff).count()
    if stuck:
        processing_flag_clear()
        enqueue_processing()
    return stuck


# --- read requests ---------------------------------------------------------------------


def devices_for_user(user: Any):
    """Readers a staff member may ask for a read: those of their units, and SSOS's for
    the SSOS assessors."""
    from cards.roles import Role, roles_of, unit_ids_of

    devices = ReaderDevice.objects.filter(revoked_at__isnull=True).select_related("unit")
    if user.is_superuser:
        return devices
    mine = Q(unit_id__in=unit_ids_of(user))
    if Role.SSOS in roles_of(user):
        mine |= Q(for_ssos=True)
    return devices.filter(mine)


def device_choices(user: Any) -> list[tuple[Any, str]]:
    """(id, name) of `devices_for_user`, for a form to show: read by a query compiled once
    per user's scope (`cards.compiled_queries`)."""
    from cards.roles import Role, roles_of, unit_ids_of

    key = ("reader devices", user.is_superuser, unit_ids_of(user), Role.SSOS in roles_of(user))
    rows = compiled_queries.fetch(key, lambda: devices_for_user(user).values("pk", "name"))
    to_id = ReaderDevice._meta.pk.to_python  # SQLite keeps the UUID as text
    return [(to_id(row["pk"]), row["name"]) for row in rows]


def read_request_create(*, user: Any, device_id: Any, card: Card | None = None,
                        case_id: int | None = None,
                        now: dt.datetime | None = None) -> ReadRequest:
    """Ask `device` for its next read, to attach it to `card` (and `case_id`)."""
    from cards.roles import is_staff_member

    now = now or timezone.now()
    if not is_staff_member(user):
        raise PermissionDenied
    device = devices_for_user(user).filter(pk=device_id).first()
    if device is None:
        raise PermissionDenied
    return ReadRequest.objects.create(
        device=device, card=card, case_id=case_id, requested_by=user, requested_at=now,
        expires_at=now + READ_REQUEST_LIFETIME,
    )


# --- trusted certificates --------------------------------------------------------------


def trusted_certificate_fields(data: bytes) -> dict:
    """Model fields read from a PEM or DER certificate; ChipFileError if it is neither."""
    cert = chip.load_certificate(data)
    return {
        "certificate_pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "subject": cert.subject.rfc4514_string()[:500],
        "issuer": cert.issuer.rfc4514_string()[:500],
        "serial_number": format(cert.serial_number, "X")[:100],
        "not_before": cert.not_valid_before_utc,
        "not_after": cert.not_valid_after_utc,
        "sha256": chip.fingerprint(cert),
    }


def trusted_certificate_add(*, name: str, data: bytes,
                            usage: str = TrustedCertificate.Usage.AUTHORITY
                            ) -> TrustedCertificate:
    fields = trusted_certificate_fields(data)
    certificate, _created = TrustedCertificate.objects.update_or_create(
        sha256=fields.pop("sha256"), defaults={"name": name, "usage": usage, "active": True,
                                               **fields})
    return certificate
