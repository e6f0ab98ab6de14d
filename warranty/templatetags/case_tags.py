"""`{% card_cases card %}` and `{% refusal_next_step card %}` for the card page (cards
never imports warranty), `{% queue_row case %}` for the queue's rows, and the small filters
the cases pages share."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import date
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from cards.markup import escape
from cards.templatetags.card_tags import ago

from .. import instructions
from ..models import CaseState
from ..next_steps import LOOK_IT_UP, next_step
from ..notifications import HOLDER_STATUS_TEXT
from ..page_selectors import card_cases_for_user
from ..queue_rows import QueueRow

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


# One row of the queue table (case_list.html), written by `queue_row` rather than by the
# template: a queue shows 25, and the template's tags and filters cost ~5 ms for them.
QUEUE_ROW = """
    <tr>
      <td><input type="checkbox" name="pick" value="{pk}:{state}" aria-label="{tick}"></td>
      <td><a class="mono" href="{url}">{number}</a></td>
      <td>{kind}</td>
      <td><span class="badge tone-{tone}">{state_label}</span></td>
      <td>{holder}<br><small class="muted">{holder_number}</small></td>
      <td class="mono">{card}</td>
      <td>{unit}</td>
      <td>{assigned}</td>
      <td class="nowrap"><time datetime="{changed_iso}">{changed}</time><br><small class="muted">{ago}</small></td>
    </tr>"""  # noqa: E501 - the row as the browser gets it
NOBODY = mark_safe('<span class="muted">—</span>')


@register.simple_tag
def queue_row(case: QueueRow) -> str:
    changed = case.state_changed_at
    cells = {
        "pk": case.pk, "state": case.state, "number": case.number,
        "tick": gettext("Tick %(number)s") % {"number": case.number},
        "url": reverse("warranty:detail", args=[case.pk]), "kind": case.kind_label,
        "tone": case_tone(case.state), "state_label": case.state_label,
        "holder": case.holder_name, "holder_number": case.holder_number,
        "card": case.card_number, "unit": case.unit_code,
        "assigned": case.assigned_to or NOBODY, "changed_iso": changed.isoformat(),
        "changed": date(timezone.template_localtime(changed), "SHORT_DATE_FORMAT"),
        "ago": ago(changed)}
    return mark_safe(QUEUE_ROW.format_map(  # noqa: S308 - every cell is escaped
        {name: escape(value) for name, value in cells.items()}))


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
