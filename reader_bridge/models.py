"""Reader devices, their enrolment, trusted certificates, card reads and read requests.

A `CardRead` row is also the processing outbox: it is stored with `state=pending` in the
request that received it, a Celery task processes it after commit, and a periodic sweeper
re-sends reads whose task was lost (broker outage, worker crash).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cards.fields import EncryptedBinaryField, EncryptedTextField
from cards.models import Card, Unit

from .job_wakeup import job_ready_announce

ENROLMENT_CODE_LIFETIME = dt.timedelta(hours=24)
# A staff member's "Read card" waits this long for the next read from the chosen reader.
READ_REQUEST_LIFETIME = dt.timedelta(minutes=10)


def _one_owner(prefix: str) -> models.CheckConstraint:
    """A reader (or its enrolment code) belongs to one dean's office unit, or to SSOS."""
    return models.CheckConstraint(
        condition=Q(unit__isnull=False, for_ssos=False) | Q(unit__isnull=True, for_ssos=True),
        name=f"{prefix}_unit_or_ssos",
        violation_error_message=_("Choose a unit, or mark the reader as SSOS's, not both."))


class ReaderDevice(models.Model):
    """A workstation agent, enrolled once; it signs every read with its own key.

    It stands in a dean's office (`unit`) or at SSOS (`for_ssos`), which is
    university-wide: SSOS's readers are SSOS's, whatever unit the card read serves.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="reader_devices", verbose_name=_("unit"),
        null=True, blank=True,
    )
    for_ssos = models.BooleanField(_("SSOS workstation"), default=False, db_default=False)
    public_key_pem = models.TextField(_("public key (PEM)"))
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["unit", "name"]
        verbose_name = _("reader device")
        verbose_name_plural = _("reader devices")
        constraints = [_one_owner("reader_device")]

    def __str__(self) -> str:
        return f"{self.name} ({owner_label(self)})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def owner_label(thing: ReaderDevice | EnrolmentCode) -> str:
    return "SSOS" if thing.for_ssos else thing.unit.code


def _new_enrolment_code() -> str:
    return secrets.token_hex(8).upper()


def _enrolment_expiry() -> dt.datetime:
    return timezone.now() + ENROLMENT_CODE_LIFETIME


class EnrolmentCode(models.Model):
    """A one-time code an administrator hands to whoever installs an agent."""

    code = models.CharField(_("code"), max_length=32, unique=True, default=_new_enrolment_code)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"),
        null=True, blank=True,
    )
    for_ssos = models.BooleanField(_("SSOS workstation"), default=False, db_default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), default=_enrolment_expiry)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    device = models.OneToOneField(
        ReaderDevice, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("enrolled device"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("enrolment code")
        verbose_name_plural = _("enrolment codes")
        constraints = [_one_owner("enrolment_code")]

    def __str__(self) -> str:
        return f"{self.code} ({owner_label(self)})"

    def is_usable(self, now: dt.datetime) -> bool:
        return self.used_at is None and self.expires_at > now


class TrustedCertificate(models.Model):
    """A certificate an administrator trusts for chip data signatures."""

    class Usage(models.TextChoices):
        AUTHORITY = "authority", _("issuer of signing certificates (CA)")
        SEAL = "seal", _("university e-seal (signs without the issuing phrase)")
        SIGNER = "signer", _("an individual signing certificate")

    name = models.CharField(_("name"), max_length=200)
    usage = models.CharField(_("usage"), max_length=10, choices=Usage.choices,
                             default=Usage.AUTHORITY)
    certificate_pem = models.TextField(_("certificate (PEM)"))
    subject = models.CharField(_("subject"), max_length=500, editable=False)
    issuer = models.CharField(_("issuer"), max_length=500, editable=False)
    serial_number = models.CharField(_("serial number"), max_length=100, editable=False)
    not_before = models.DateTimeField(_("valid from"), editable=False)
    not_after = models.DateTimeField(_("valid until"), editable=False)
    sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True,
                              editable=False)
    active = models.BooleanField(_("trusted"), default=True)
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("trusted certificate")
        verbose_name_plural = _("trusted certificates")

    def __str__(self) -> str:
        return self.name


class ReadOutcome(models.TextChoices):
    """What the agent saw, as the protocol names it."""

    OK = "ok", _("read")
    NO_READER = "no_reader", _("no reader")
    NO_CARD = "no_card", _("no card")
    NO_ATR = "no_atr", _("card does not answer (no ATR)")
    APDU_ERROR = "apdu_error", _("card answered with an error")
    TIMEOUT = "timeout", _("card stopped answering (timeout)")
    REMOVED = "removed", _("card removed during the read")


class Diagnosis(models.TextChoices):
    OK = "ok", _("card works and checks out")
    READER_TO_COMPUTER = "reader_to_computer", _("reader ↔ computer problem")
    NO_CARD = "no_card", _("no card in the reader")
    CARD_TO_READER = "card_to_reader", _("reader ↔ card problem")
    CARD_TO_READER_AGAIN = "card_to_reader_again", _("reader ↔ card problem, second failure")
    EXPIRED = "expired", _("card works, validity expired")
    INVALID_SIGNATURE = "invalid_signature", _("invalid chip data: possible forgery")
    UNKNOWN_ISSUER = "unknown_issuer", _("signed by an unknown issuer: possible forgery")
    UNKNOWN_CARD = "unknown_card", _("card unknown to the system")
    DATA_MISMATCH = "data_mismatch", _("chip data differ from the records")


# What a read of a chip new to the system is diagnosed: at hand-over its latest read is
# looked up by chip serial (reader_bridge.new_card) through a partial index of these.
NEW_CHIP_DIAGNOSES = (Diagnosis.UNKNOWN_CARD, Diagnosis.INVALID_SIGNATURE,
                      Diagnosis.UNKNOWN_ISSUER)


class ProcessingState(models.TextChoices):
    PENDING = "pending", _("waiting for processing")
    DONE = "done", _("processed")
    FAILED = "failed", _("processing failed (see the log)")


class ReadRequest(models.Model):
    """A staff member asked a reader for the next read, from a card (or a case) page.

    `case_id` is a loose reference to a warranty case: reader_bridge sits above warranty
    but the case page reads it through `selectors.reads_for_request`.
    """

    device = models.ForeignKey(
        ReaderDevice, on_delete=models.CASCADE, related_name="requests", verbose_name=_("reader")
    )
    card = models.ForeignKey(
        Card, on_delete=models.CASCADE, null=True, blank=True, related_name="read_requests",
        verbose_name=_("card"),
    )
    case_id = models.PositiveBigIntegerField(_("case"), null=True, blank=True, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("read request")
        verbose_name_plural = _("read requests")
        indexes = [
            models.Index(fields=["device", "-requested_at"], condition=Q(fulfilled_at=None),
                         name="read_request_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.device} @ {self.requested_at:%Y-%m-%d %H:%M}"


class CardRead(models.Model):
    """One read as the agent sent it, and what processing made of it."""

    # Every read is an INSERT on the hot path, so the table keeps only the indexes that
    # queries use: no single-column FK indexes that a composite one already covers, and
    # none over the NULLs that every new read has in `card` and `request`.
    device = models.ForeignKey(
        ReaderDevice, on_delete=models.PROTECT, related_name="reads", verbose_name=_("reader"),
        db_index=False,
    )
    message_id = models.UUIDField(_("message id"))
    body_sha256 = models.CharField(_("body SHA-256"), max_length=64)
    body = EncryptedTextField(_("message as received"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at (agent clock)"))
    sequence = models.PositiveBigIntegerField(_("sequence"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=ReadOutcome.choices)
    failed_step = models.CharField(_("failed step"), max_length=30, blank=True)
    status_word = models.CharField(_("status word"), max_length=4, blank=True)
    atr = models.CharField(_("ATR"), max_length=80, blank=True)
    chip_serial = models.CharField(_("chip serial (read)"), max_length=64, blank=True)
    els_file = EncryptedBinaryField(_("EF.ELS"), null=True, blank=True)
    cert_file = EncryptedBinaryField(_("certificate file"), null=True, blank=True)

    state = models.CharField(_("processing"), max_length=10, choices=ProcessingState.choices,
                             default=ProcessingState.PENDING)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    result = models.JSONField(_("parsed and verified chip data"), default=dict, blank=True)
    diagnosis = models.CharField(_("diagnosis"), max_length=24, choices=Diagnosis.choices,
                                 blank=True)
    diagnosis_detail = models.TextField(_("diagnosis detail"), blank=True)
    card = models.ForeignKey(
        Card, on_delete=models.SET_NULL, null=True, blank=True, related_name="reads",
        verbose_name=_("card"), db_index=False,
    )
    request = models.ForeignKey(
        ReadRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="reads",
        verbose_name=_("read request"), db_index=False,
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("card read")
        verbose_name_plural = _("card reads")
        constraints = [
            models.UniqueConstraint(fields=["device", "message_id"],
                                    name="card_read_unique_message"),
        ]
        indexes = [
            models.Index(fields=["card", "processed_at"], condition=Q(card__isnull=False),
                         name="card_read_by_card"),
            models.Index(fields=["request"], condition=Q(request__isnull=False),
                         name="card_read_by_request"),
            models.Index(fields=["device", "-received_at"]),
            models.Index(fields=["received_at"], condition=Q(state="pending"),
                         name="card_read_pending"),
            models.Index(fields=["chip_serial", "-processed_at"],
                         condition=Q(diagnosis__in=NEW_CHIP_DIAGNOSES),
                         name="card_read_new_chip"),
        ]

    def __str__(self) -> str:
        return f"{self.device.name} #{self.sequence} ({self.get_outcome_display()})"


# --- extension through the chip (docs/reader-protocol.md, "Jobs") -------------------------

# "Przedłuż" on a card page arms the reader this long for that card.
EXTENSION_SESSION_LIFETIME = dt.timedelta(minutes=10)
# A job not fetched by then is not handed out; the agent refuses it after this too.
JOB_LIFETIME = dt.timedelta(minutes=2)


class ExtensionSession(models.Model):
    """A reader armed to extend one card (from its page) or, with no card, every card
    inserted (a batch at semester start). Reads from the device while it is open are
    extension attempts."""

    device = models.ForeignKey(
        ReaderDevice, on_delete=models.CASCADE, related_name="extension_sessions",
        verbose_name=_("reader"),
    )
    card = models.ForeignKey(
        Card, on_delete=models.CASCADE, null=True, blank=True, related_name="extension_sessions",
        verbose_name=_("card"), help_text=_("Empty for a batch: every card inserted."),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("extension session")
        verbose_name_plural = _("extension sessions")
        indexes = [
            models.Index(fields=["device", "-started_at"], condition=Q(ended_at=None),
                         name="extension_session_open"),
        ]

    def __str__(self) -> str:
        return f"{self.device} @ {self.started_at:%Y-%m-%d %H:%M}"

    def is_open(self, now: dt.datetime) -> bool:
        return self.ended_at is None and self.expires_at > now


class JobKind(models.TextChoices):
    READ_ELS = "read_els", _("read the card in the reader")
    SIGN_ELS = "sign_els", _("sign the new chip file at the workstation")
    WRITE_ELS = "write_els", _("write the new chip file")


class JobState(models.TextChoices):
    AWAITING_SIGNATURE = "awaiting_signature", _("awaiting the signature")
    READY = "ready", _("ready for the reader")
    SENT = "sent", _("sent to the reader (write in progress)")
    VERIFIED = "verified", _("written and verified")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    EXPIRED = "expired", _("expired")


UNFINISHED_JOB_STATES = (JobState.AWAITING_SIGNATURE, JobState.READY, JobState.SENT)


class ChipWriteJob(models.Model):
    """One job for one device and one chip: read it, sign its new file, or write it.

    A write keeps the old and the new file, so that whatever the next read of the card
    finds on the chip, the server knows whether the write landed (torn-write recovery).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=JobKind.choices)
    device = models.ForeignKey(
        ReaderDevice, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("reader")
    )
    card = models.ForeignKey(
        Card, on_delete=models.CASCADE, related_name="chip_jobs", verbose_name=_("card")
    )
    session = models.ForeignKey(
        ExtensionSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs",
        verbose_name=_("extension session"),
    )
    read = models.ForeignKey(
        CardRead, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("read that led to it"),
    )
    signs_for = models.OneToOneField(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="signature_job",
        verbose_name=_("signs the file of"),
    )
    chip_serial = models.CharField(_("chip serial"), max_length=64)
    old_file = EncryptedBinaryField(_("EF.ELS before the extension"), null=True, blank=True)
    current_sha256 = models.CharField(
        _("SHA-256 of the chip file now"), max_length=64, blank=True,
        help_text=_("The agent writes only over this file (or finds the new one there)."))
    new_file = EncryptedBinaryField(_("EF.ELS to write"), null=True, blank=True)
    content = EncryptedBinaryField(_("content to sign"), null=True, blank=True)
    certificate = models.ForeignKey(
        "cards.SigningCertificate", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("signing certificate"),
    )
    valid_until = models.DateField(
        _("new validity"), null=True, blank=True,
        help_text=_("Empty for a write that restores the old file."))
    state = models.CharField(_("state"), max_length=20, choices=JobState.choices,
                             default=JobState.READY)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0,
                                                help_text=_("Writes of this file to the chip."))
    result_sha256 = models.CharField(_("result SHA-256"), max_length=64, blank=True)
    outcome = models.JSONField(_("outcome details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("chip job")
        verbose_name_plural = _("chip jobs")
        constraints = [
            # Two reads of one card at once must not start two writes.
            models.UniqueConstraint(
                fields=["card"], condition=Q(kind="write_els",
                                             state__in=["awaiting_signature", "ready", "sent"]),
                name="chip_job_one_write_per_card"),
        ]
        indexes = [
            models.Index(fields=["device", "created_at"], condition=Q(state="ready"),
                         name="chip_job_ready"),
            models.Index(fields=["card", "-created_at"], name="chip_job_by_card"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.card} ({self.get_state_display()})"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        if self.state == JobState.READY:  # wake the device's long poll once committed
            job_ready_announce(self.device_id)


class ExtensionRefusal(models.Model):
    """A read during an extension session that could not be extended, and why."""

    session = models.ForeignKey(
        ExtensionSession, on_delete=models.CASCADE, related_name="refusals",
        verbose_name=_("extension session"),
    )
    card = models.ForeignKey(
        Card, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("card"),
    )
    read = models.ForeignKey(
        CardRead, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("read"),
    )
    reason = models.TextField(_("reason"))
    extension_error = models.CharField(_("extension error"), max_length=20, blank=True)
    case_id = models.PositiveBigIntegerField(_("case"), null=True, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("refused extension")
        verbose_name_plural = _("refused extensions")

    def __str__(self) -> str:
        return f"{self.card or '?'}: {self.reason[:60]}"


class DeviceNonce(models.Model):
    """A nonce a device used on a signed GET: used once, kept while its timestamp is fresh."""

    device = models.ForeignKey(ReaderDevice, on_delete=models.CASCADE, related_name="+")
    nonce = models.UUIDField()
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "nonce"], name="device_nonce_once"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id}: {self.nonce}"
