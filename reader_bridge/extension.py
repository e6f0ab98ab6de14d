"""Extension through the chip: what a read means while a reader is armed to extend, and
what a job's result does to the card.

- `extension_on_read` runs inside the processing of every read. A card with an
  unfinished write is recovered first (torn-write recovery); otherwise, while the device
  has an open `ExtensionSession`, the read is an extension attempt: the current file,
  the holder (`cards.rules`) and the chip serial are checked, the new file is built and
  signed (server HSM) or handed to the workstation to sign (`sign_els`), and a
  `write_els` job is queued. A refusal opens or updates the extension-failure case with
  the read attached.
- `job_result_record` takes the agent's result. Only a read-back equal to the job's
  file byte for byte that also verifies moves the card (to `awaiting_hologram`, through
  `cards.services.card_act`, which keeps the written file in the card's history).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cards import chip, rules
from cards.chip_signing import SigningError, renew_els_content
from cards.errors import CardActionError
from cards.models import Card, CardState, EventSource
from cards.services import card_act
from cards.signing import certificate_for, eseal_sign
from warranty.models import OPEN_STATES, Case, CaseKind, ExtensionError
from warranty.services import case_open, case_record_attempt

from .errors import ReaderBridgeError
from .models import (
    EXTENSION_SESSION_LIFETIME,
    JOB_LIFETIME,
    CardRead,
    ChipWriteJob,
    Diagnosis,
    ExtensionRefusal,
    ExtensionSession,
    JobKind,
    JobState,
    ReadOutcome,
    ReadRequest,
)
from .serializers import JobOutcome, JobResult
from .services import devices_for_user
from .trust import trusted_certificates

logger = logging.getLogger(__name__)

# Status words that say the card refused the write itself: the card profile (access
# condition) does not fit this card, which no retry at the desk fixes.
ACCESS_REFUSED_WORDS = {"6982", "6983", "6985"}
ACCESS_STEPS = {"verify", "card_profile"}
# Steps the agent fails at before its first UPDATE BINARY: the chip is as it was.
BEFORE_WRITE_STEPS = {"find_card", "connect", "select_aid", "select_ef", "read_binary",
                      "verify"}


class ExtensionStartRefused(ReaderBridgeError):
    code = "refused"


# --- sessions ------------------------------------------------------------------------


def extension_session_start(*, user: Any, device_id: Any, card: Card | None = None,
                            lifetime: dt.timedelta = EXTENSION_SESSION_LIFETIME,
                            now: dt.datetime | None = None) -> ExtensionSession:
    """Arm `device` to extend `card` (or, with no card, every card inserted: a batch).

    The reader's earlier sessions end. For one card, the rules are asked at once so a
    refusal shows before anyone inserts the card; the reader is also asked to read the
    card already in it (`read_els`), so it need not be pulled out and put back.
    """
    from cards import policy

    now = now or timezone.now()
    device = devices_for_user(user).filter(pk=device_id).first()
    if device is None:
        raise ExtensionStartRefused(_("Choose one of your unit's readers."), code="forbidden",
                                    status_code=403)
    if card is not None:
        refusal = (policy.refusal_for_user(user, "extend", card)
                   or rules.extension_refusal(card, timezone.localdate(now), now))
        if refusal:
            raise ExtensionStartRefused(refusal)
    with transaction.atomic():
        ExtensionSession.objects.filter(device=device, ended_at__isnull=True).update(ended_at=now)
        session = ExtensionSession.objects.create(device=device, card=card, started_by=user,
                                                  started_at=now, expires_at=now + lifetime)
        if card is not None:
            ChipWriteJob.objects.create(kind=JobKind.READ_ELS, device=device, card=card,
                                        session=session, chip_serial=card.chip_serial,
                                        created_at=now, expires_at=now + JOB_LIFETIME)
    return session


def extension_session_end(*, user: Any, session_id: int,
                          now: dt.datetime | None = None) -> ExtensionSession:
    session = (ExtensionSession.objects.filter(pk=session_id,
                                               device__in=devices_for_user(user)).first())
    if session is None:
        raise ExtensionStartRefused(_("No such extension session."), code="not_found",
                                    status_code=404)
    if session.ended_at is None:
        session.ended_at = now or timezone.now()
        session.save(update_fields=["ended_at"])
    return session


def _open_session(device_id: Any, now: dt.datetime) -> ExtensionSession | None:
    return (ExtensionSession.objects.select_related("started_by", "card")
            .filter(device_id=device_id, ended_at__isnull=True, expires_at__gt=now)
            .order_by("-started_at").first())


def _end_single_card_session(session: ExtensionSession | None, now: dt.datetime) -> None:
    if session is not None and session.card_id is not None and session.ended_at is None:
        session.ended_at = now
        session.save(update_fields=["ended_at"])


# --- a read arrives --------------------------------------------------------------------


def extension_on_read(read: CardRead, *, card: Card | None, els: chip.ElsFile | None,
                      now: dt.datetime) -> None:
    """Decide what a processed read means for extensions (inside its transaction)."""
    if card is not None:
        unfinished = _unfinished_write(card)
        if unfinished is not None:
            _recover(unfinished, read, els, now)
            return
    session = _open_session(read.device_id, now)
    if session is None or read.diagnosis == Diagnosis.NO_CARD:
        return
    if session.card_id is not None and card is not None and card.pk != session.card_id:
        _refuse(session, read, card, _(
            "This is card %(read)s, not %(wanted)s: insert card %(wanted)s."
        ) % {"read": card.number, "wanted": session.card.number}, error="", now=now)
        return
    if card is None and els is None:
        card = session.card  # a failed read in the reader armed for this card
    if card is None:
        _refuse(session, read, None, _("The card is unknown to the system: it cannot be "
                                       "extended here. Check it with the USOS office."),
                error="", now=now)
        return
    refusal, error = _read_refusal(read, card, els, now)
    if refusal:
        _refuse(session, read, card, refusal, error=error, now=now)
        return
    _start_write(session, read, card, els, now)


def _read_refusal(read: CardRead, card: Card, els: chip.ElsFile | None,
                  now: dt.datetime) -> tuple[str | None, str]:
    """(why this read cannot start an extension, the procedure's error) or (None, "")."""
    if read.outcome != ReadOutcome.OK or els is None:
        return (ExtensionError.CARD_READ_FAILED.label + " — " + read.get_diagnosis_display(),
                ExtensionError.CARD_READ_FAILED)
    if read.diagnosis not in (Diagnosis.OK, Diagnosis.EXPIRED):
        return (ExtensionError.EXTENSION_ERROR.label + " — " + read.get_diagnosis_display()
                + (f": {read.diagnosis_detail}" if read.diagnosis_detail else ""),
                ExtensionError.EXTENSION_ERROR)
    refusal = rules.extension_refusal(card, timezone.localdate(now), now)
    if refusal is None:
        return None, ""
    return refusal, extension_error_of(refusal, card)


def extension_error_of(refusal: str, card: Card) -> str:
    """The procedure's error an `extension_refusal` is, or "" for a card that needs no
    extension or cannot have one (no case is opened for those)."""
    if refusal.startswith(rules.NO_SIGNING_CERTIFICATE):
        return ExtensionError.NO_CERTIFICATE
    if refusal.startswith(rules.not_settled(card.holder)):
        return ExtensionError.NOT_SETTLED
    return ""


def _start_write(session: ExtensionSession, read: CardRead, card: Card, els: chip.ElsFile,
                 now: dt.datetime) -> None:
    semester = rules.extension_target(timezone.localdate(now))
    certificate = certificate_for(card, now)
    if certificate is None:
        _refuse(session, read, card, rules.NO_SIGNING_CERTIFICATE,
                error=ExtensionError.NO_CERTIFICATE, now=now)
        return
    old_file = bytes(read.els_file)
    content = renew_els_content(els.content, semester.card_valid_until)
    job = ChipWriteJob(kind=JobKind.WRITE_ELS, device_id=read.device_id, card=card,
                       session=session, read=read, chip_serial=card.chip_serial,
                       old_file=old_file, current_sha256=_sha256(old_file), content=content,
                       certificate=certificate, valid_until=semester.card_valid_until,
                       created_at=now, expires_at=now + JOB_LIFETIME)
    at_workstation = certificate.signs_at_workstation
    if at_workstation:
        job.state = JobState.AWAITING_SIGNATURE
    else:
        try:
            job.new_file = eseal_sign(certificate, content)
        except SigningError as exc:
            logger.warning("e-seal signing failed for card %s: %s", card.pk, exc)
            _refuse(session, read, card, ExtensionError.EXTENSION_ERROR.label + " — " + _(
                "the signature could not be made (%(error)s).") % {"error": exc},
                error=ExtensionError.EXTENSION_ERROR, now=now)
            return
    try:
        with transaction.atomic():
            job.save(force_insert=True)
    except IntegrityError:  # another read of this card started its write a moment ago
        return
    if at_workstation:
        ChipWriteJob.objects.create(
            kind=JobKind.SIGN_ELS, device_id=read.device_id, card=card, session=session,
            read=read, signs_for=job, chip_serial=card.chip_serial,
            current_sha256=job.current_sha256, content=content, certificate=certificate,
            valid_until=job.valid_until, created_at=now, expires_at=now + JOB_LIFETIME)


def _sha256(data: bytes | memoryview | None) -> str:
    return hashlib.sha256(bytes(data or b"")).hexdigest()


# --- refusals and the extension-failure case ---------------------------------------------


def _refuse(session: ExtensionSession, read: CardRead, card: Card | None, reason: str, *,
            error: str, now: dt.datetime) -> ExtensionRefusal:
    case_id = _record_failure(session, read, card, reason, error) if card and error else None
    refusal = ExtensionRefusal.objects.create(session=session, card=card, read=read,
                                              reason=reason, extension_error=error,
                                              case_id=case_id, at=now)
    _end_single_card_session(session, now)
    return refusal


def _record_failure(session: ExtensionSession, read: CardRead | None, card: Card, reason: str,
                    error: str) -> int | None:
    """Open the card's extension-failure case (or add an attempt to the open one), with
    the read attached to it; the case id, or None when the card has another open case."""
    actor = session.started_by
    open_case = Case.objects.filter(card=card, state__in=OPEN_STATES).first()
    try:
        if open_case is None:
            case = case_open(card_id=card.pk, kind=CaseKind.EXTENSION_FAILURE, actor=actor,
                             source=EventSource.READER, note=reason, extension_error=error)
        elif open_case.kind == CaseKind.EXTENSION_FAILURE:
            case = case_record_attempt(case_id=open_case.pk, actor=actor,
                                       source=EventSource.READER, succeeded=False, note=reason,
                                       extension_error=error)
        else:
            return None
    except CardActionError as exc:
        logger.info("extension failure of card %s not recorded on a case: %s", card.pk,
                    exc.message)
        return None
    if read is not None:
        _attach_read(read, case.pk, session)
    return case.pk


def _attach_read(read: CardRead, case_id: int, session: ExtensionSession) -> None:
    """The case page lists the reads of its read requests: the read joins the case so."""
    if read.request_id is not None:
        ReadRequest.objects.filter(pk=read.request_id, case_id__isnull=True).update(
            case_id=case_id)
        return
    read.request = ReadRequest.objects.create(
        device_id=read.device_id, card_id=read.card_id, case_id=case_id,
        requested_by=session.started_by, requested_at=read.received_at,
        expires_at=read.received_at, fulfilled_at=read.received_at)
    CardRead.objects.filter(pk=read.pk).update(request=read.request)


def _record_success(job: ChipWriteJob) -> None:
    case = Case.objects.filter(card_id=job.card_id, state__in=OPEN_STATES,
                               kind=CaseKind.EXTENSION_FAILURE).first()
    if case is not None and job.session is not None:
        case_record_attempt(case_id=case.pk, actor=job.session.started_by,
                            source=EventSource.READER, succeeded=True,
                            note=_("The new chip file was written and verified."))


# --- torn writes -------------------------------------------------------------------------


def _unfinished_write(card: Card) -> ChipWriteJob | None:
    """The card's last write if the chip may not hold what the server thinks it does."""
    job = (ChipWriteJob.objects.select_for_update(of=("self",))
           .select_related("session__started_by", "card")
           .filter(card=card, kind=JobKind.WRITE_ELS).order_by("-created_at").first())
    if job is None:
        return None
    if job.state == JobState.SENT or (job.state == JobState.FAILED and job.outcome.get("torn")):
        return job
    return None


def _recover(job: ChipWriteJob, read: CardRead, els: chip.ElsFile | None,
             now: dt.datetime) -> None:
    """The next read after a write that did not end verified decides: the new file is on
    the chip → verified; the old one → write again; anything else → write the new file
    again, or restore the old one when the extension is no longer allowed."""
    if read.outcome == ReadOutcome.OK and read.els_file:
        current = bytes(read.els_file)
    elif (read.outcome == ReadOutcome.APDU_ERROR and read.chip_serial
          and job.state == JobState.FAILED):
        # The agent reported the write broken off, and the file no longer reads to its
        # end. (While the write is still out, a failed read may just have crossed it.)
        current = b""
    else:
        return  # nothing learnt about the chip: the write stays unfinished
    if job.valid_until is not None and current == bytes(job.new_file):
        _verify_written(job, current, now, found_on_read=read.pk)
        return
    _finish(job, JobState.FAILED, now, superseded_by_read=read.pk, torn=False)
    if job.valid_until is None and current == bytes(job.new_file):
        return  # the old file was restored
    allowed = job.valid_until is not None and rules.extension_refusal(
        job.card, timezone.localdate(now), now) is None
    if current == bytes(job.old_file) and not allowed:
        return  # the chip is as before: nothing to do
    session = _open_session(read.device_id, now) or job.session
    ChipWriteJob.objects.create(
        kind=JobKind.WRITE_ELS, device_id=read.device_id, card=job.card, session=session,
        read=read, chip_serial=job.chip_serial, old_file=job.old_file,
        current_sha256=_sha256(current), certificate=job.certificate if allowed else None,
        new_file=job.new_file if allowed else job.old_file,
        valid_until=job.valid_until if allowed else None,
        created_at=now, expires_at=now + JOB_LIFETIME)


def _finish(job: ChipWriteJob, state: str, now: dt.datetime, **details: Any) -> None:
    job.state, job.finished_at = state, now
    job.outcome = {**job.outcome, **details}
    job.save(update_fields=["state", "finished_at", "outcome"])


# --- results -----------------------------------------------------------------------------


def job_result_record(*, job_id: str, device_pk: Any, result: JobResult, body_sha256: str,
                      now: dt.datetime | None = None) -> str:
    """Apply one result; the answer's status. Results for one job are serialised on its
    row: the first wins, the same result again is "already_received", another is refused."""
    now = now or timezone.now()
    with transaction.atomic():
        job = (ChipWriteJob.objects.select_for_update(of=("self",))
               .select_related("card", "session__started_by", "certificate", "signs_for")
               .filter(pk=job_id, device_id=device_pk).first())
        if job is None:
            raise ReaderBridgeError(_("No such job for this reader."), code="unknown_job",
                                    status_code=404)
        if job.result_sha256:
            if job.result_sha256 == body_sha256:
                return "already_received"
            raise ReaderBridgeError(_("This job already has a different result."),
                                    code="replay", status_code=409)
        if job.state != JobState.SENT:
            raise ReaderBridgeError(_("This job was not handed out or is closed (%(state)s).")
                                    % {"state": job.get_state_display()}, code="not_sent",
                                    status_code=409)
        if (result.chip_serial is not None and chip.normalise_serial(result.chip_serial)
                != chip.normalise_serial(job.chip_serial)):
            raise ReaderBridgeError(_("The result comes from another chip than the job's."),
                                    code="wrong_chip")
        job.result_sha256 = body_sha256
        job.outcome = {"agent": result.model_dump(mode="json", exclude={"read_back",
                                                                         "signed_file"})}
        job.save(update_fields=["result_sha256", "outcome"])
        return _apply_result(job, result, now)


def _apply_result(job: ChipWriteJob, result: JobResult, now: dt.datetime) -> str:
    if job.kind == JobKind.READ_ELS:
        _finish(job, JobState.DONE if result.outcome == JobOutcome.READ else JobState.FAILED, now)
        return "recorded"
    if job.kind == JobKind.SIGN_ELS:
        return _signature_arrived(job, result, now)
    if result.outcome == JobOutcome.WRITTEN or result.read_back is not None:
        # A failed result may carry what was read back: that file decides, as on a read.
        return _verify_written(job, result.read_back, now)
    access = result.status_word in ACCESS_REFUSED_WORDS or result.failed_step in ACCESS_STEPS
    written = result.outcome == JobOutcome.FAILED and (
        result.failed_step not in BEFORE_WRITE_STEPS and not access)
    _finish(job, JobState.FAILED, now, torn=written)
    if access and job.session is not None:
        _refuse(job.session, job.read, job.card, ExtensionError.EXTENSION_ERROR.label + " — " + _(
            "the card refused the write (%(word)s): its card profile needs configuring.")
            % {"word": result.status_word or result.failed_step},
            error=ExtensionError.EXTENSION_ERROR, now=now)
    return "recorded"


def _written_file_problems(job: ChipWriteJob, data: bytes, now: dt.datetime) -> list[str]:
    """Why `data` is not the good new chip file of this job (empty: it is)."""
    try:
        els = chip.parse_els_file(data)
    except chip.ChipFileError as exc:
        return [exc.message]
    anchors, seals = trusted_certificates()
    problems = chip.verify_els_file(els, trusted=anchors, seals=seals,
                                    today=timezone.localdate(now), chip_serial=job.chip_serial,
                                    kind=job.card.kind)
    if job.valid_until is None:  # restoring the old file, whatever its date
        problems = [problem for problem in problems if problem.code != chip.EXPIRED]
    messages = [problem.message for problem in problems]
    if job.certificate is not None and not _signed_by(els, job.certificate):
        messages.append(_("signed with another certificate than the registered one"))
    return messages


def _signed_by(els: chip.ElsFile, certificate) -> bool:
    expected = chip.load_certificate(certificate.certificate_pem.encode())
    return els.signer_certificate is not None and (
        chip.fingerprint(els.signer_certificate) == chip.fingerprint(expected))


def _verify_written(job: ChipWriteJob, read_back: bytes, now: dt.datetime,
                    **details: Any) -> str:
    if read_back != bytes(job.new_file):
        _finish(job, JobState.FAILED, now, torn=True, problems=[
            "the file read back differs from the file written"], **details)
        return "rejected"
    problems = _written_file_problems(job, read_back, now)
    if problems:
        _finish(job, JobState.FAILED, now, torn=True, problems=problems, **details)
        return "rejected"
    _finish(job, JobState.VERIFIED, now, **details)
    if job.valid_until is not None:
        _extend_card(job, read_back, now)
    _end_single_card_session(job.session, now)
    return "verified"


def _extend_card(job: ChipWriteJob, written_file: bytes, now: dt.datetime) -> None:
    actor = job.session.started_by if job.session else None
    try:
        card_act(card_id=job.card_id, action="extend", actor=actor, source=EventSource.READER,
                 expected_state=CardState.ACTIVE, today=timezone.localdate(now),
                 context={"chip_job": str(job.pk)}, written_file=written_file)
    except CardActionError as exc:
        # The chip is written; the card moved meanwhile (e.g. reported lost). Kept visible.
        job.outcome = {**job.outcome, "card_refused": exc.message}
        job.save(update_fields=["outcome"])
        return
    _record_success(job)


def _signature_arrived(job: ChipWriteJob, result: JobResult, now: dt.datetime) -> str:
    write = job.signs_for
    if result.outcome != JobOutcome.SIGNED:
        _finish(job, JobState.FAILED, now)
        _finish(write, JobState.FAILED, now, torn=False)
        if job.session is not None:
            _refuse(job.session, job.read, job.card, ExtensionError.EXTENSION_ERROR.label
                    + " — " + _("the workstation did not sign (%(step)s).")
                    % {"step": result.failed_step or result.outcome.value},
                    error=ExtensionError.EXTENSION_ERROR, now=now)
        return "recorded"
    problems = _signed_file_problems(job, result.signed_file, now)
    if problems:
        _finish(job, JobState.FAILED, now, problems=problems)
        _finish(write, JobState.FAILED, now, torn=False)
        if job.session is not None:
            _refuse(job.session, job.read, job.card, ExtensionError.EXTENSION_ERROR.label
                    + " — " + "; ".join(problems), error=ExtensionError.EXTENSION_ERROR, now=now)
        return "rejected"
    _finish(job, JobState.DONE, now)
    write.new_file, write.state = result.signed_file, JobState.READY
    write.expires_at = now + JOB_LIFETIME
    write.save(update_fields=["new_file", "state", "expires_at"])
    return "recorded"


def _signed_file_problems(job: ChipWriteJob, signed: bytes, now: dt.datetime) -> list[str]:
    try:
        els = chip.parse_els_file(signed)
    except chip.ChipFileError as exc:
        return [exc.message]
    problems = []
    if els.content != bytes(job.content):
        problems.append(_("the signed content is not the content sent for signing"))
    return problems + _written_file_problems(job, signed, now)

