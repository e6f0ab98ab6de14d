"""Processing of a stored read: codec, verification, identification, diagnosis, attachment.

Runs in Celery after the ingest commit. Idempotent: a read already processed is left as
it is, so the sweeper may re-send freely.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from cards import chip
from cards.models import Card
from cards.pesel import pesel_digest

from .diagnosis import Facts, diagnose, is_card_failure
from .extension import extension_on_read
from .models import (
    CardRead,
    Diagnosis,
    ProcessingState,
    ReadOutcome,
    ReadRequest,
)
from .trust import trusted_certificates

logger = logging.getLogger(__name__)

# How far back an earlier failed read counts as "the first failure" of the same card.
CARD_RETRY_WINDOW = dt.timedelta(days=1)
# Without an identified card: the same reader and ATR within this window.
DEVICE_RETRY_WINDOW = dt.timedelta(minutes=15)


def pending_reads_process(*, batch: int = 100) -> int:
    """Process pending reads in the order received until none is left; how many."""
    from .services import processing_flag_clear

    processed = 0
    while True:
        processing_flag_clear()  # reads stored from now on schedule a new run
        ids = list(CardRead.objects.filter(state=ProcessingState.PENDING)
                   .order_by("received_at", "pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return processed
        for read_id in ids:
            try:
                read_process(read_id)
            except Exception:  # a bug on one read must not block the reads behind it
                logger.exception("processing card read %s failed", read_id)
                CardRead.objects.filter(pk=read_id).update(state=ProcessingState.FAILED)
            processed += 1


def read_process(read_id: int, *, now: dt.datetime | None = None) -> CardRead | None:
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        read = CardRead.objects.select_for_update().filter(pk=read_id).first()
        if read is None or read.state == ProcessingState.DONE:
            return read
        result: dict = {}
        els, parse_error = _parse(read, result)
        card = _identify(read, els)
        problems = _verify(read, els, card, today, result) if els else []
        request = _pending_request(read)
        if request is not None and card is None and request.card_id is not None:
            card = request.card
            card_known = False
        else:
            card_known = card is not None
        mismatches = _compare(els, card, result) if card_known and els else []
        facts = Facts(
            outcome=read.outcome, failed_step=read.failed_step, status_word=read.status_word,
            parse_error=parse_error, problems=problems, card_known=card_known,
            mismatches=mismatches, earlier_card_failure=_earlier_card_failure(read, card),
        )
        diagnosis, detail = diagnose(facts)
        if request is not None and request.card_id and card and request.card_id != card.pk:
            detail = f"{detail}; requested card #{request.card_id}, read card #{card.pk}"
        read.result = result
        read.diagnosis = diagnosis
        read.diagnosis_detail = detail.strip("; ")
        read.card = card
        read.request = request
        read.state = ProcessingState.DONE
        read.processed_at = now
        read.save(update_fields=["result", "diagnosis", "diagnosis_detail", "card", "request",
                                 "state", "processed_at"])
        if request is not None:
            request.fulfilled_at = now
            request.save(update_fields=["fulfilled_at"])
        extension_on_read(read, card=card if card_known else None, els=els, now=now)
    return read


def _parse(read: CardRead, result: dict):
    """(ElsFile | None, ChipFileError | None), the error recorded in `result`."""
    if read.outcome != ReadOutcome.OK or not read.els_file:
        return None, None
    try:
        els = chip.parse_els_file(bytes(read.els_file),
                                  bytes(read.cert_file) if read.cert_file else None)
    except chip.ChipFileError as exc:
        result["error"] = {"code": exc.code, "message": exc.message}
        return None, exc
    result["chip"] = els.summary()
    return els, None


def _verify(read: CardRead, els: chip.ElsFile, card: Card | None, today: dt.date,
            result: dict) -> list[chip.ChipProblem]:
    """The checklist, with the phrase of the card's kind when the card is known."""
    anchors, seals = trusted_certificates()
    problems = chip.verify_els_file(els, trusted=anchors, seals=seals, today=today,
                                    chip_serial=read.chip_serial or None,
                                    kind=card.kind if card else None)
    result["problems"] = [{"code": p.code, "message": p.message} for p in problems]
    return problems


def _identify(read: CardRead, els: chip.ElsFile | None) -> Card | None:
    """The card whose chip was in the reader. Signed data copied onto another chip name
    someone else's card: the serial the reader saw wins, and data are trusted for it
    only when the reader reported no serial."""
    serial = read.chip_serial or (els.data.chip_serial if els is not None else "") or ""
    serials = {serial, chip.normalise_serial(serial)} if serial else set()
    serials.discard("")
    if not serials:
        return None
    return (Card.objects.select_related("holder").filter(chip_serial__in=serials)
            .order_by("pk").first())


def _pending_request(read: CardRead) -> ReadRequest | None:
    return (ReadRequest.objects.select_for_update(of=("self",)).select_related("card")
            .filter(device_id=read.device_id, fulfilled_at__isnull=True,
                    requested_at__lte=read.received_at, expires_at__gte=read.received_at)
            .order_by("-requested_at").first())


def _compare(els: chip.ElsFile, card: Card, result: dict) -> list[str]:
    """Differences between the chip and the records; the validity date is informative."""
    data, holder = els.data, card.holder
    mismatches, notes = [f"{MISMATCH_NAMES[key]} on the chip differs from the holder's"
                         for key in holder_mismatches(data, holder)], []
    surnames = " ".join(data.surnames).casefold()
    if surnames and holder.last_name.casefold() not in surnames:
        notes.append("surname on the chip differs from the holder's")
    if data.valid_until != card.valid_until:
        notes.append(f"validity on the chip {data.valid_until}, in the system {card.valid_until}")
    result["comparison"] = {"card_id": card.pk, "mismatches": mismatches, "notes": notes}
    return mismatches


MISMATCH_NAMES = {"pesel": "PESEL", "album_number": "album number"}


def holder_mismatches(data: chip.ElsData, holder) -> list[str]:
    """Which of the identifying fields on the chip ("pesel", "album_number") are not the
    holder's (compared only where both sides have one; the PESEL through its hash)."""
    mismatches = []
    if data.pesel and holder.pesel_hash and pesel_digest(data.pesel) != holder.pesel_hash:
        mismatches.append("pesel")
    if data.album_number and holder.album_number and data.album_number != holder.album_number:
        mismatches.append("album_number")
    return mismatches


def names_holder(data: chip.ElsData, holder) -> bool:
    """Do the chip's data name this holder: at least one identifying field is the holder's
    and none is another person's (a holder with neither a PESEL nor an album number is
    never named)."""
    same_pesel = bool(data.pesel and holder.pesel_hash
                      and pesel_digest(data.pesel) == holder.pesel_hash)
    same_album = bool(data.album_number and data.album_number == holder.album_number)
    return (same_pesel or same_album) and not holder_mismatches(data, holder)


def _earlier_card_failure(read: CardRead, card: Card | None) -> bool:
    """Was the previous attempt on the same card (or reader and ATR) a card failure too?"""
    if read.outcome == ReadOutcome.OK and not read.els_file:
        return False
    earlier = CardRead.objects.filter(state=ProcessingState.DONE, received_at__lte=read.received_at)
    if card is not None:
        earlier = earlier.filter(card=card, received_at__gte=read.received_at - CARD_RETRY_WINDOW)
    else:
        earlier = earlier.filter(device_id=read.device_id, atr=read.atr,
                                 received_at__gte=read.received_at - DEVICE_RETRY_WINDOW)
        earlier = earlier.exclude(diagnosis__in=[Diagnosis.NO_CARD, Diagnosis.READER_TO_COMPUTER])
    previous = earlier.exclude(pk=read.pk).order_by("-received_at", "-pk").values_list(
        "diagnosis", flat=True).first()
    return previous is not None and is_card_failure(previous)
