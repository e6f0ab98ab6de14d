"""The catalogue of card actions as people see them: label, what they ask for, style."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .errors import ActionRefused


@dataclass(frozen=True)
class CardAction:
    name: str
    label: Promise
    help: Promise
    done: Promise  # the success message, in the past tense
    params: tuple[str, ...] = ()
    note_required: bool = False
    dangerous: bool = False


ACTIONS: dict[str, CardAction] = {
    action.name: action
    for action in [
        # Only the reader bridge supplies `written_file`: the new EF.ELS it wrote to the
        # chip and read back verified. There is no database-only extension.
        CardAction("extend", _("Extend validity"),
                   _("Re-sign the chip with the current semester's validity date."),
                   _("The validity was extended; stick the hologram on."),
                   params=("written_file",)),
        CardAction("confirm_hologram", _("Confirm hologram"),
                   _("The hologram sticker is on the reverse: the extension is complete."),
                   _("The hologram was confirmed."),
                   params=("hologram_number",)),
        CardAction("report_faulty", _("Report not working"),
                   _("The card does not work but looks fine; SSOS will be notified."),
                   _("The card was reported as not working."),
                   note_required=True),
        CardAction("hand_to_ssos", _("Take in at SSOS"),
                   _("The holder brought the card to SSOS for assessment."),
                   _("The card was taken in at SSOS.")),
        CardAction("return_working", _("Return as working"),
                   _("The card works after all and goes back to the holder."),
                   _("The card was returned as working."), note_required=True),
        CardAction("mark_damaged", _("Mark damaged"),
                   _("Broken, bent, cracked, dirty or chip damaged: a paid duplicate is needed."),
                   _("The card was marked damaged."),
                   note_required=True),
        CardAction("report_lost", _("Report lost or stolen"),
                   _("Record the circumstances; a paid duplicate is needed."),
                   _("The card was reported lost or stolen."), note_required=True),
        CardAction("mark_found", _("Mark found"),
                   _("The lost card was found before a duplicate was issued."),
                   _("The card was marked found.")),
        CardAction("decide_invalidation", _("Invalidate"),
                   _("Final invalidation, only on a permitted ground."),
                   _("The invalidation was decided."),
                   params=("ground",), dangerous=True),
        CardAction("withdraw_invalidation", _("Withdraw invalidation"),
                   _("The invalidation was decided by mistake."),
                   _("The invalidation was withdrawn."), note_required=True),
        CardAction("confirm_corner_cut", _("Confirm corner cut"),
                   _("The corner is cut off and the card returned to the holder."),
                   _("The corner cut was confirmed."),
                   dangerous=True),
        CardAction("invalidate_forged", _("Invalidate as forged"),
                   _("SSOS confirmed forged chip data; the card is kept at SSOS."),
                   _("The card was invalidated."), note_required=True, dangerous=True),
        CardAction("replace", _("Replace with a new card"),
                   _("Issue the new card (warranty exchange or duplicate)."),
                   _("The card was replaced with a new one."),
                   params=("replacement_reason", "new_number", "new_chip_serial")),
    ]
}


def check_action_input(*, allowed: tuple[str, ...], params: Mapping[str, Any],
                       note_required: bool, note: str) -> None:
    """Refuse parameters an action (of a card or a case) does not take or lacks."""
    if set(params) - set(allowed):
        raise ActionRefused(gettext("Unexpected parameters for this action."))
    missing = [name for name in allowed if not params.get(name)]
    if missing:
        raise ActionRefused(gettext("Missing: %(fields)s.") % {"fields": ", ".join(missing)})
    if note_required and not note.strip():
        raise ActionRefused(gettext("Please describe what happened."))
