"""`{% card_cases card %}` and `{% refusal_next_step card %}` for the card page (cards
never imports warranty), `{% queue_rows rows %}` for the queue's rows, and the small filters
the cases pages share."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext

from cards.markup import escape, id_links, table_rows
from cards.templatetags.card_tags import Ago, Days

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


# A row of the queue table (case_list.html), written by `queue_rows` rather than by the
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
NOBODY = '<span class="muted">—</span>'


@register.simple_tag
def queue_rows(rows: list[QueueRow]) -> str:
    """The page's rows, each as QUEUE_ROW, every cell escaped. What the rows share is
    worked out once: the link (`id_links`), the labels in the page's language, each day
    (`Days`), "now" and the words of how long ago."""
    link = id_links("warranty:detail")
    kinds, states = QueueRow.kind_label.translated(), QueueRow.state_label.translated()
    tick = gettext("Tick %(number)s")
    days, ago = Days(), Ago()
    written = []
    for row in rows:
        changed = row.state_changed_at
        written.append(QUEUE_ROW.format(
            pk=row.pk, state=escape(row.state), tick=escape(tick % {"number": row.number}),
            url=link(row.pk), number=escape(row.number), kind=escape(kinds.get(row.kind, row.kind)),
            tone=case_tone(row.state), state_label=escape(states.get(row.state, row.state)),
            holder=escape(row.holder_name), holder_number=escape(row.holder_number),
            card=escape(row.card_number), unit=escape(row.unit_code),
            assigned=escape(row.assigned_to) if row.assigned_to else NOBODY,
            changed_iso=changed.isoformat(),
            changed=days(changed),
            ago=escape(ago(changed))))
    return table_rows(written)


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
