"""Keep cases in step with cards moved directly on the card page.

Registered with `cards.hooks` in `WarrantyConfig.ready`; runs inside the transaction
that moved the card. Moves driven by a case carry `context={"case_id": …}` and are
ignored here. Otherwise:
- the card's open case follows the move when its flow has that step (e.g. intake at
  SSOS on the card page → the fault case is "card at SSOS"), and the step's rules still
  apply: handing over a duplicate on the card page before the fee is paid is refused;
- a move that starts a flow (reported faulty, damaged, lost, invalidation decided)
  opens the matching case, closing a case that no longer applies;
- replacing a card that has an open case anywhere but at its hand-over is refused.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cards.errors import ActionRefused
from cards.models import Card, CardEvent

from . import rules
from .models import OPEN_STATES, Case, CaseKind
from .services import (
    _after_open,
    _apply,
    _cancel_due_payment,
    _new_case,
    _run_step,
    _Step,
    step_not_possible,
)

# card action → the case step that follows it
FOLLOWING_STEP = {
    "hand_to_ssos": "receive_card",
    "return_working": "return_working",
    "mark_damaged": "card_damaged",
    "mark_found": "mark_found",
    "confirm_corner_cut": "confirm_corner_cut",
    "withdraw_invalidation": "withdraw_invalidation",
    "replace": "hand_over",
    "report_faulty": "convert_to_fault",
}

# card action → the kind of case it opens when no open case can follow it
OPENS_KIND = {
    "report_faulty": CaseKind.FAULT,
    "mark_damaged": CaseKind.DAMAGE,
    "report_lost": CaseKind.LOST,
    "decide_invalidation": CaseKind.INVALIDATION,
}


def on_card_transition(*, card: Card, event: CardEvent, actor: Any, context: dict) -> None:
    if context.get("case_id"):
        return
    case = (Case.objects.select_for_update(of=("self",)).select_related("holder", "payment")
            .filter(card=card, state__in=OPEN_STATES).first())
    today = timezone.localdate()
    step_name = FOLLOWING_STEP.get(event.action)
    if case is not None and step_name and not step_not_possible(case, step_name):
        refusal = rules.step_refusal(case, step_name, {})
        if refusal:
            raise ActionRefused(refusal)
        case.card = card
        _run_step(_Step(case=case, actor=actor, source=event.source, note=event.reason,
                        today=today, card_event=event), step_name)
        return
    if case is not None and event.action == "replace":
        raise ActionRefused(
            _("This card has an open case %(number)s (%(state)s): hand the new card over "
              "through the case, so that its rules are checked.")
            % {"number": case.number, "state": case.get_state_display()})
    kind = OPENS_KIND.get(event.action)
    if kind is None:
        return
    if case is not None:
        _cancel_due_payment(case)
        _apply(case, "cancel", actor=actor, source=event.source,
               note=_("Closed: the card is now %(state)s.") % {"state": card.get_state_display()})
    new = _new_case(card, kind, actor=actor, note=event.reason,
                    ground=event.details.get("ground", ""), now=timezone.now())
    _after_open(new, actor=actor, source=event.source, note=event.reason, today=today)
