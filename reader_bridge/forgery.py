"""A suspected forgery, reported from the read that showed it.

The diagnosis of a read whose chip data carry no valid signature of a trusted issuer
tells staff to keep the card and report it to SSOS: this opens the case, with the read
attached, about the card that was in the reader. SSOS then confirms (the card is
invalidated through its own transition) or dismisses it (`warranty.transitions`).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from cards.errors import ActionNotPossible, ActionRefused
from cards.models import EventSource
from cards.selectors import card_list_for_user
from warranty.models import Case, CaseKind
from warranty.services import case_open

from .diagnosis import FORGERY_DIAGNOSES
from .models import CardRead, ProcessingState
from .services import devices_for_user


def read_for_report(user: Any, read_id: int) -> CardRead:
    """The processed read, if the user had it at one of their readers or may see its
    card; ActionNotPossible otherwise (a page answers 404)."""
    read = (CardRead.objects.select_related("card__holder", "device")
            .filter(pk=read_id, state=ProcessingState.DONE).first())
    if read is None:
        raise ActionNotPossible(_("No such read."))
    at_my_reader = devices_for_user(user).filter(pk=read.device_id).exists()
    if not at_my_reader and not (
            read.card_id and card_list_for_user(user).filter(pk=read.card_id).exists()):
        raise ActionNotPossible(_("No such read."))
    return read


def forgery_refusal(read: CardRead) -> str | None:
    """Why this read cannot open a suspected-forgery case, or None."""
    if read.diagnosis not in FORGERY_DIAGNOSES:
        return _("This read shows no sign of forgery.")
    if read.card_id is None:
        return _("The chip in the reader is not a card of this university: keep it and hand "
                 "it to SSOS with a note of where it came from.")
    reported = Case.objects.filter(card_read_id=read.pk).values_list("number", flat=True).first()
    if reported:
        return _("This read was already reported: case %(number)s.") % {"number": reported}
    return None


def forgery_report(*, user: Any, read_id: int, note: str) -> Case:
    """Open the suspected-forgery case about the card that was in the reader."""
    read = read_for_report(user, read_id)
    refusal = forgery_refusal(read)
    if refusal:
        raise ActionRefused(refusal)
    return case_open(card_id=read.card_id, kind=CaseKind.SUSPECTED_FORGERY, actor=user,
                     source=EventSource.WEB, note=note, card_read_id=read.pk)
