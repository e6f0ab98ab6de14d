"""Steps the office takes on a stack of cases at once (corner cuts, duplicates printed).

Each case moves through `services.case_act` in its own transaction, with the state the
queue showed as `expected_state`: one refusal or one case changed meanwhile does not undo
the others, and every refusal comes back with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from cards.errors import ActionRefused, CardActionError

from .selectors import case_list_for_user
from .services import case_act

# Steps that take no input beyond the case itself.
BULK_STEPS = ("order_duplicate", "order_replacement", "mark_ready", "confirm_corner_cut")
MAX_BULK = 100


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)  # case numbers
    refused: list[tuple[str, str]] = field(default_factory=list)  # (case number, reason)


def cases_step_in_bulk(*, picks: list[tuple[int, str]], action: str, actor: Any,
                       source: str) -> BulkResult:
    """`picks` are (case id, state the queue showed) pairs."""
    if action not in BULK_STEPS:
        raise ActionRefused(_("This step cannot be taken on several cases at once."))
    if not picks:
        raise ActionRefused(_("Tick the cases first."))
    if len(picks) > MAX_BULK:
        raise ActionRefused(_("At most %(n)d cases at once.") % {"n": MAX_BULK})
    numbers = dict(case_list_for_user(actor).filter(pk__in=[pk for pk, _state in picks])
                   .values_list("pk", "number"))
    result = BulkResult()
    for case_id, expected_state in picks:
        if case_id not in numbers:
            result.refused.append((f"#{case_id}", _("No such case among yours.")))
            continue
        try:
            case_act(case_id=case_id, action=action, actor=actor, source=source,
                     expected_state=expected_state)
        except CardActionError as exc:
            result.refused.append((numbers[case_id], exc.message))
        else:
            result.done.append(numbers[case_id])
    return result
