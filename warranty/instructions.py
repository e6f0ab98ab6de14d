"""What the holder has to do next, with what they need to do it: where and how to pay,
where SSOS is and when it is open, where to collect the new card."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from .models import CaseKind, CaseState, PaymentStatus

C = CaseState
AT_SSOS_KINDS = frozenset({CaseKind.FAULT})


def ssos_visit() -> dict[str, str]:
    return {"address": settings.SSOS_ADDRESS, "hours": settings.SSOS_OPENING_HOURS}


def transfer_title(case: Any) -> str:
    """The case number names the payer: the bursary matches the transfer to the case."""
    return _("Duplicate of card %(card)s, case %(case)s") % {
        "card": case.card.number, "case": case.number}


def holder_instructions(case: Any) -> dict[str, Any]:
    """The facts the holder's case page shows for the current state (all None: nothing to
    do). `ssos_for` says why SSOS: "bring" the card, or "collect" the new one."""
    shown: dict[str, Any] = {"pay": None, "ssos": None, "ssos_for": "", "collect_at_unit": ""}
    payment = getattr(case, "payment", None)
    if case.is_open and payment is not None and payment.status in (PaymentStatus.DUE,
                                                                   PaymentStatus.REFUNDED):
        shown["pay"] = {
            "amount": payment.display_amount, "account": settings.PAYMENT_ACCOUNT,
            "recipient": settings.PAYMENT_RECIPIENT, "title": transfer_title(case),
            "where": settings.PAYMENT_WHERE}
    elif case.state == C.AWAITING_CARD:
        shown.update(ssos=ssos_visit(), ssos_for="bring")
    elif case.state == C.READY_FOR_PICKUP and case.kind in AT_SSOS_KINDS:
        shown.update(ssos=ssos_visit(), ssos_for="collect")
    elif case.state == C.READY_FOR_PICKUP:
        shown["collect_at_unit"] = case.unit.name
    return shown
