"""The catalogue of case steps as people see them: label, who takes them, what they ask."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cards.roles import Role

from .models import CaseKind

D, SSOS, USOS = Role.DEANS_OFFICE, Role.SSOS, Role.USOS_OFFICE
K = CaseKind
DUPLICATE_KINDS = frozenset({K.FAULT, K.DAMAGE, K.LOST})


@dataclass(frozen=True)
class CaseTransition:
    name: str
    label: Promise
    help: Promise
    kinds: frozenset[str]
    roles: frozenset[str]
    done: Promise  # the success message and history line, in the past tense
    card_action: str | None = None  # the card move this step makes through card_act
    params: tuple[str, ...] = ()
    note_required: bool = False
    internal: bool = False  # taken by the system only, never offered to people


TRANSITIONS: dict[str, CaseTransition] = {
    t.name: t
    for t in [
        CaseTransition("receive_card", _("Take the card in"),
                       _("The holder brought the card to SSOS; print the receipt."),
                       frozenset({K.FAULT}), frozenset({SSOS}),
                       done=_("The card was taken in."), card_action="hand_to_ssos"),
        CaseTransition("approve_warranty", _("Approve warranty exchange"),
                       _("The card is clean and undamaged: exchange it free of charge."),
                       frozenset({K.FAULT}), frozenset({SSOS}),
                       done=_("The warranty exchange was approved."), params=("checklist",)),
        CaseTransition("require_duplicate", _("Require a paid duplicate"),
                       _("The card is damaged or dirty: the holder pays for a duplicate."),
                       frozenset({K.FAULT}), frozenset({SSOS}),
                       done=_("A paid duplicate was required."), card_action="mark_damaged",
                       params=("checklist",)),
        CaseTransition("card_damaged", _("Card marked damaged"),
                       _("The card was marked damaged on the card page."),
                       frozenset({K.FAULT}), frozenset(),
                       done=_("The card was marked damaged."), card_action="mark_damaged",
                       internal=True),
        CaseTransition("return_working", _("Return as working"),
                       _("The card works after all and goes back to the holder."),
                       frozenset({K.FAULT}), frozenset({SSOS, D}),
                       done=_("The card was returned as working."), card_action="return_working",
                       note_required=True),
        CaseTransition("order_replacement", _("Order the replacement"),
                       _("Order the free replacement card."),
                       frozenset({K.FAULT}), frozenset({SSOS}),
                       done=_("The replacement was ordered.")),
        CaseTransition("order_duplicate", _("Order the duplicate"),
                       _("Print the duplicate; possible once the fee is paid or waived."),
                       DUPLICATE_KINDS, frozenset({SSOS, D}),
                       done=_("The duplicate was ordered.")),
        CaseTransition("mark_ready", _("New card ready"),
                       _("The new card is printed and waits for the holder."),
                       DUPLICATE_KINDS, frozenset({SSOS, D}),
                       done=_("The new card was marked ready for collection.")),
        CaseTransition("hand_over", _("Hand over the new card"),
                       _("The holder collects the new card; the old one is replaced."),
                       DUPLICATE_KINDS, frozenset({SSOS, D}),
                       done=_("The new card was handed over."), card_action="replace",
                       params=("new_number", "new_chip_serial")),
        CaseTransition("mark_found", _("Card found"),
                       _("The lost card was found before a duplicate was printed."),
                       frozenset({K.LOST}), frozenset({D}),
                       done=_("The card was marked found."), card_action="mark_found"),
        CaseTransition("escalate", _("Escalate to the USOS office"),
                       _("Pass the problem to the USOS office queue."),
                       frozenset({K.EXTENSION_FAILURE}), frozenset({D}),
                       done=_("The case was passed to the USOS office.")),
        CaseTransition("send_holder_to_usos", _("Send the holder to the USOS office"),
                       _("The card could not be read twice."),
                       frozenset({K.EXTENSION_FAILURE}), frozenset({D, USOS}),
                       done=_("The holder was sent to the USOS office."), internal=True),
        CaseTransition("resolve", _("Mark resolved"),
                       _("The card was extended or the problem is otherwise solved."),
                       frozenset({K.EXTENSION_FAILURE}), frozenset({D}),
                       done=_("The case was resolved."),
                       note_required=True),
        CaseTransition("hand_back", _("Ready for another extension"),
                       _("The cause is fixed: the dean's office extends the card again."),
                       frozenset({K.EXTENSION_FAILURE}), frozenset({USOS}),
                       done=_("The case was handed back to the dean's office for another "
                              "extension."),
                       note_required=True),
        CaseTransition("return_to_usos", _("Back to the USOS office"),
                       _("The extension failed again after the fix."),
                       frozenset({K.EXTENSION_FAILURE}), frozenset({D, USOS}),
                       done=_("The case went back to the USOS office."), internal=True),
        CaseTransition("convert_to_fault", _("Turn into a fault case"),
                       _("The card itself is at fault: report it to SSOS."),
                       frozenset({K.EXTENSION_FAILURE}), frozenset({D}),
                       done=_("The case was turned into a fault case."),
                       card_action="report_faulty", note_required=True),
        CaseTransition("confirm_corner_cut", _("Confirm corner cut"),
                       _("The corner is cut off and the card returned to the holder."),
                       frozenset({K.INVALIDATION}), frozenset({D}),
                       done=_("The corner cut was confirmed."),
                       card_action="confirm_corner_cut"),
        CaseTransition("withdraw_invalidation", _("Withdraw invalidation"),
                       _("The invalidation was decided by mistake."),
                       frozenset({K.INVALIDATION}), frozenset({D}),
                       done=_("The invalidation was withdrawn."),
                       card_action="withdraw_invalidation", note_required=True),
        CaseTransition("confirm_forgery", _("Confirm the forgery"),
                       _("The chip data are forged: the card is invalidated and kept."),
                       frozenset({K.SUSPECTED_FORGERY}), frozenset({SSOS}),
                       done=_("The forgery was confirmed and the card invalidated."),
                       card_action="invalidate_forged", note_required=True),
        CaseTransition("dismiss_forgery", _("No forgery"),
                       _("The card is genuine (e.g. a trusted certificate was missing)."),
                       frozenset({K.SUSPECTED_FORGERY}), frozenset({SSOS}),
                       done=_("The suspicion was dismissed."), note_required=True),
        CaseTransition("cancel", _("Close without action"),
                       _("The card moved on and this case no longer applies."),
                       frozenset(K), frozenset(),
                       done=_("The case was closed without action."), internal=True),
    ]
}

# Who may open a case of each kind (the card move itself is checked by cards.policy).
OPEN_ROLES: dict[str, frozenset[str]] = {
    K.FAULT: frozenset({D}),
    K.DAMAGE: frozenset({D, SSOS}),
    K.LOST: frozenset({D}),
    K.EXTENSION_FAILURE: frozenset({D, USOS}),
    K.INVALIDATION: frozenset({D}),
    K.SUSPECTED_FORGERY: frozenset({D, SSOS, USOS}),
}

# The card move that opening a case of each kind makes.
OPEN_CARD_ACTION: dict[str, str | None] = {
    K.FAULT: "report_faulty",
    K.DAMAGE: "mark_damaged",
    K.LOST: "report_lost",
    K.EXTENSION_FAILURE: None,
    K.INVALIDATION: "decide_invalidation",
    K.SUSPECTED_FORGERY: None,
}

# Kinds opened only from the read that showed the problem (`reader_bridge.forgery`).
OPENED_FROM_A_READ = frozenset({K.SUSPECTED_FORGERY})

PAYMENT_ROLES = frozenset({D, SSOS})
ATTEMPT_ROLES = frozenset({D, USOS})
