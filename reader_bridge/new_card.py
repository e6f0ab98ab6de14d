"""The new card at hand-over, read at my reader instead of typed.

The replacement (or duplicate) is put on the staff member's reader; its read, processed
like any other and taken from the reads at my readers (as the reader desk takes them),
gives the chip serial for the hand-over form, or the reason this chip must not become
the holder's card: the read failed, the chip is already a card in the system (the old
one, or another), its data are not genuine, or they name another person. On the stack of
cards to hand over, the chip's data say whose case it is. The same reason refuses the
hand-over itself (`replacement_read_refusal`, a transition hook on "replace"), so a
serial typed from a refused chip is refused on every path; a chip no reader has seen (a
broken reader) is left to `cards.rules.chip_serial_refusal`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cards import chip
from cards.errors import ActionRefused
from cards.models import Card, CardEvent
from warranty.models import Case

from .diagnosis import FORGERY_DIAGNOSES, REMEDIES
from .models import NEW_CHIP_DIAGNOSES, CardRead, Diagnosis, ProcessingState, ReadOutcome
from .processing import holder_mismatches, names_holder
from .selectors import read_row, reads_at_devices
from .services import devices_for_user

MISMATCH_LABELS = {"pesel": gettext_lazy("PESEL"),
                   "album_number": gettext_lazy("album number")}


def read_serial(read: CardRead) -> str:
    """The serial the reader saw, else the one in the (verified) chip data."""
    in_data = (read.result or {}).get("chip", {}).get("data", {}).get("chip_serial")
    return chip.normalise_serial(read.chip_serial or in_data)


def _chip_data(read: CardRead) -> chip.ElsData | None:
    try:
        return chip.parse_els_file(bytes(read.els_file)).data if read.els_file else None
    except chip.ChipFileError:
        return None


def _chip_refusal(read: CardRead, old_card: Card | None, new_card: Card | None) -> str | None:
    """What is wrong with the chip itself, whoever's card it was to become."""
    diagnosis = Diagnosis(read.diagnosis) if read.diagnosis else None
    if diagnosis in FORGERY_DIAGNOSES or (
            read.outcome != ReadOutcome.OK or _chip_data(read) is None):
        remedy = REMEDIES[diagnosis] if diagnosis else _("Read the card again.")
        return _("%(diagnosis)s: %(remedy)s") % {
            "diagnosis": diagnosis.label if diagnosis else read.get_outcome_display(),
            "remedy": remedy}
    serial = read_serial(read)
    if not serial:
        return _("The reader reported no chip serial: read the card again.")
    taken = Card.objects.filter(chip_serial=serial).exclude(
        pk=new_card.pk if new_card else None).first()
    if taken is not None and old_card is not None and taken.pk == old_card.pk:
        return _("This is the old card %(number)s: put the new card on the reader.") % {
            "number": taken.number}
    if taken is not None:
        return _("This chip is already card %(number)s in the system: it is not a new "
                 "card.") % {"number": taken.number}
    return None


def new_card_refusal(read: CardRead, old_card: Card, *,
                     new_card: Card | None = None) -> str | None:
    """Why the chip of this read may not be handed over in place of `old_card` (to its
    holder); `new_card` is the card the chip already became, when asked after the move."""
    refusal = _chip_refusal(read, old_card, new_card)
    if refusal:
        return refusal
    mismatches = holder_mismatches(_chip_data(read), old_card.holder)
    if mismatches:
        return _("The chip data belong to another person (%(what)s differs): hand over only "
                 "a card made for this holder.") % {
            "what": ", ".join(str(MISMATCH_LABELS[key]) for key in mismatches)}
    return None


def replacement_read_refusal(*, card: Card, event: CardEvent, actor: Any,
                             context: dict) -> None:
    """Transition hook: the new card of a replacement must not be a chip whose latest read
    was refused for this holder (forged, another person's data)."""
    if event.action != "replace":
        return
    new_card = Card.objects.get(replaces=card)
    read = latest_read_of_new_chip(new_card.chip_serial)
    if read is None:
        return
    refusal = new_card_refusal(read, card, new_card=new_card)
    if refusal:
        raise ActionRefused(refusal)


def latest_read_of_new_chip(serial: str) -> CardRead | None:
    return (CardRead.objects.filter(
        chip_serial__in={serial, chip.normalise_serial(serial)}, state=ProcessingState.DONE,
        diagnosis__in=NEW_CHIP_DIAGNOSES).order_by("-processed_at", "-pk").first())


def _case_of(read: CardRead, cases: Sequence[Case]) -> Case | None:
    """The case the chip was made for: the only one, else the one whose holder the chip's
    data name (PESEL or album number), or whose old card it is."""
    if len(cases) == 1:
        return cases[0]
    serial, data = read_serial(read), _chip_data(read)
    for case in cases:
        if serial and case.card.chip_serial == serial:
            return case
        if data and names_holder(data, case.holder):
            return case
    return None


def new_card_row(user: Any, cases: Sequence[Case], *,
                 since: dt.datetime | None) -> dict | None:
    """The latest read at the user's readers as the new card of one of `cases` (a case
    page gives one, the hand-over stack all it lists): its case and chip serial, or the
    refusal."""
    device_ids = [device.pk for device in devices_for_user(user)]
    reads = reads_at_devices(device_ids, since=since, limit=1) if device_ids else []
    if not reads:
        return None
    read = reads[0]
    case = _case_of(read, cases)
    if case is not None:
        refusal = new_card_refusal(read, case.card)
    else:
        refusal = _chip_refusal(read, None, None) or _(
            "The chip data belong to none of the holders listed here.")
    serial = "" if refusal else read_serial(read)
    return {**read_row(read), "case_id": case.pk if case else None, "chip_serial": serial,
            "refusal": refusal or "",
            "message": refusal or _("The new card (chip %(serial)s) checks out: its serial "
                                    "is filled in.") % {"serial": serial}}
