"""Steps the office takes on a stack of cases at once (corner cuts, duplicates printed,
new cards handed over, each with its own number and chip serial).

Each case moves through `services.case_act` in its own transaction, with the state the
queue showed as `expected_state`: one refusal or one case changed meanwhile does not undo
the others, and every refusal comes back with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _

from cards.errors import ActionRefused, CardActionError

from .models import CaseState
from .selectors import case_list_for_user
from .services import case_act

# Steps that take no input beyond the case itself.
BULK_STEPS = ("order_duplicate", "order_replacement", "mark_ready", "confirm_corner_cut")
MAX_BULK = 100


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)  # case numbers
    refused: list[tuple[str, str]] = field(default_factory=list)  # (case number, reason)


@dataclass(frozen=True)
class HandOver:
    """One card of the stack: the case, the state the page showed, the new card."""

    case_id: int
    expected_state: str
    new_number: str
    new_chip_serial: str


def cases_step_in_bulk(*, picks: list[tuple[int, str]], action: str, actor: Any,
                       source: str) -> BulkResult:
    """`picks` are (case id, state the queue showed) pairs."""
    if action not in BULK_STEPS:
        raise ActionRefused(_("This step cannot be taken on several cases at once."))
    return _each_case([(pk, state, {}) for pk, state in picks], action, actor, source)


def cases_hand_over_in_bulk(*, hand_overs: list[HandOver], actor: Any,
                            source: str) -> BulkResult:
    """Hand over a stack of new cards, each with its own number and chip serial."""
    return _each_case([(h.case_id, h.expected_state, {"new_number": h.new_number,
                                                       "new_chip_serial": h.new_chip_serial})
                       for h in hand_overs], "hand_over", actor, source)


def stack_to_hand_over(user: Any, page_number: Any = 1) -> Page:
    """A page of the new cards ready for pick-up at the user's desk, the longest waiting
    first; a page is as many as are handed over at once, and its paginator counts them
    all (a page number out of range gives the last page)."""
    cases = (case_list_for_user(user).filter(state=CaseState.READY_FOR_PICKUP)
             .order_by("state_changed_at", "pk"))
    return Paginator(cases, MAX_BULK).get_page(page_number)


def _each_case(picks: list[tuple[int, str, dict]], action: str, actor: Any,
               source: str) -> BulkResult:
    if not picks:
        raise ActionRefused(_("Tick the cases first."))
    if len(picks) > MAX_BULK:
        raise ActionRefused(_("At most %(n)d cases at once.") % {"n": MAX_BULK})
    numbers = dict(case_list_for_user(actor).filter(pk__in=[pick[0] for pick in picks])
                   .values_list("pk", "number"))
    result = BulkResult()
    for case_id, expected_state, params in picks:
        if case_id not in numbers:
            result.refused.append((f"#{case_id}", _("No such case among yours.")))
            continue
        try:
            case_act(case_id=case_id, action=action, actor=actor, source=source,
                     expected_state=expected_state, **params)
        except CardActionError as exc:
            result.refused.append((numbers[case_id], exc.message))
        else:
            result.done.append(numbers[case_id])
    return result
