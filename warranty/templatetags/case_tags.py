"""`{% card_cases card %}` and `{% refusal_next_step card %}` for the card page (cards
never imports warranty), and the small filters the cases pages share."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from .. import instructions
from ..models import CaseState
from ..notifications import HOLDER_STATUS_TEXT
from ..next_steps import LOOK_IT_UP, next_step
from ..page_selectors import card_cases_for_user

register = template.Library()
C = CaseState

# How a state looks in a badge: whose move it is, not a second state machine.
STATE_TONES = {
    C.AWAITING_CARD: "wait", C.REPLACEMENT_ORDERED: "wait",
    C.IN_ASSESSMENT: "action", C.PAYMENT_DUE: "action", C.TROUBLESHOOTING: "action",
    C.HOLDER_TO_USOS: "action", C.DATA_FIX_NEEDED: "action",
    C.WARRANTY_APPROVED: "ok", C.READY_FOR_PICKUP: "ok",
    C.ESCALATED: "bad", C.AWAITING_CORNER_CUT: "bad",
}


@register.filter
def case_tone(state: str) -> str:
    return STATE_TONES.get(state, "done")


@register.filter
def holder_status_text(state: str) -> str:
    return str(HOLDER_STATUS_TEXT.get(state, ""))


@register.inclusion_tag("warranty/_card_cases.html", takes_context=True)
def card_cases(context: Any, card: Any) -> dict:
    request = context["request"]
    return {"card": card, "data": card_cases_for_user(request.user, card), "request": request}


@register.simple_tag(takes_context=True)
def refusal_next_step(context: Any, card: Any) -> Any:
    """`{% refusal_next_step card as next_step %}`: the step a refused card action or case
    leads to, for `warranty/_next_step.html` beside each refusal. Worked out when the
    first refusal shows it, once per page; a page without a refusal runs no query."""
    user = context["request"].user
    return SimpleLazyObject(lambda: next_step(user, card, today=timezone.localdate(),
                                              open_case=LOOK_IT_UP))


@register.inclusion_tag("warranty/_holder_instructions.html")
def holder_instructions(case: Any) -> dict:
    """What the holder has to do next: how to pay, where SSOS is, where to collect."""
    return instructions.holder_instructions(case)
