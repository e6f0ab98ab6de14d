"""The rules of the procedure for cases, each written once.

Every function answers "why not?": a translated reason, or None when the rule allows
the step. `warranty.services` asks them before each step; the pages and the API ask
them to explain which steps are possible right now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cards import rules as card_rules

from .models import Assessment, Case, CaseState, ExtensionError

# The physical-condition checklist of an SSOS assessment, in the order of the form.
CHECKLIST_FIELDS = ("broken", "bent", "cracked", "chip_damaged", "chip_dirty_or_worn", "other")


def checklist_defects(checklist: Mapping[str, Any]) -> list[str]:
    """The labels of the defects ticked on the checklist."""
    return [
        str(Assessment._meta.get_field(name).verbose_name)
        for name in CHECKLIST_FIELDS if checklist.get(name)
    ]


def checklist_problem(checklist: Any) -> str | None:
    if not isinstance(checklist, Mapping):
        return _("The physical-condition checklist is missing.")
    unknown = set(checklist) - {*CHECKLIST_FIELDS, "other_note"}
    if unknown:
        return _("Unknown checklist items: %(items)s.") % {"items": ", ".join(sorted(unknown))}
    if checklist.get("other") and not str(checklist.get("other_note", "")).strip():
        return _("Describe the other defect.")
    return None


def warranty_refusal(checklist: Mapping[str, Any]) -> str | None:
    """A free warranty exchange is only for a clean, undamaged card (dirty counts as not)."""
    defects = checklist_defects(checklist)
    if defects:
        return _(
            "A free warranty exchange is only for a clean, undamaged card; the assessment "
            "found: %(defects)s. The holder needs a paid duplicate."
        ) % {"defects": ", ".join(defects)}
    return None


def duplicate_refusal(checklist: Mapping[str, Any]) -> str | None:
    """The converse of `warranty_refusal`: a paid duplicate needs a recorded defect."""
    if warranty_refusal(checklist) is None:
        return _(
            "The assessment found no damage: a clean card that does not work is exchanged "
            "free of charge under warranty."
        )
    return None


def payment_refusal(case: Case) -> str | None:
    """Printing and handing over a duplicate need the fee paid or waived."""
    payment = getattr(case, "payment", None)
    if payment is None or payment.is_settled:
        return None
    return _(
        "The duplicate fee of %(amount)s is %(status)s: it must be paid or waived first."
    ) % {"amount": payment.display_amount, "status": payment.get_status_display()}


def found_refusal(case: Case) -> str | None:
    payment = getattr(case, "payment", None)
    if payment is not None and payment.status == "paid":
        return _("The duplicate fee was paid: refund it before closing the case as found.")
    return None


def step_refusal(case: Case, action: str, params: Mapping[str, Any]) -> str | None:
    """The domain rule behind a case step, applied to the parameters given (if any)."""
    if action in ("approve_warranty", "require_duplicate") and "checklist" in params:
        problem = checklist_problem(params["checklist"])
        if problem:
            return problem
        check = warranty_refusal if action == "approve_warranty" else duplicate_refusal
        return check(params["checklist"])
    if action in ("order_duplicate", "mark_ready", "hand_over"):
        return payment_refusal(case)
    if action == "mark_found":
        return found_refusal(case)
    return None


# --- extension failures: what each USOS error means and what to do ------------------

@dataclass(frozen=True)
class Remedy:
    meaning: Promise
    steps: tuple[Promise, ...]
    initial_state: str
    escalation: Promise


REMEDIES: dict[str, Remedy] = {
    ExtensionError.NO_CERTIFICATE: Remedy(
        gettext_lazy("The database has no signing structure for extending this card."),
        (gettext_lazy("Do not retry: the USOS office must register the signing structure."),
         gettext_lazy("Tell the holder the card will be extended once it is fixed.")),
        CaseState.ESCALATED,
        gettext_lazy("Goes straight to the USOS office queue."),
    ),
    ExtensionError.CARD_READ_FAILED: Remedy(
        gettext_lazy("Communication failed between the reader and the computer, or between "
                     "the reader and the card."),
        (gettext_lazy("Unplug the reader and plug it in again, then retry."),
         gettext_lazy("Look at the chip: dirty, worn or damaged? Cracks show best on the "
                      "reverse."),
         gettext_lazy("Wipe a dirty chip with a damp cloth and retry."),
         gettext_lazy("Only a card in good physical condition is exchanged free; a dirty or "
                      "damaged card needs a paid duplicate.")),
        CaseState.TROUBLESHOOTING,
        gettext_lazy("A second failed read sends the holder to the USOS office."),
    ),
    ExtensionError.NOT_SETTLED: Remedy(
        gettext_lazy("The holder is not registered on the current programme, stage and cycle, "
                     "the wrong programme was chosen, or the next completion date is wrong."),
        (gettext_lazy("Check the programme, stage and cycle registered for the current "
                      "semester."),
         gettext_lazy("Choose the right programme for the extension."),
         gettext_lazy("Correct the next completion date in the person's programme.")),
        CaseState.DATA_FIX_NEEDED,
        gettext_lazy("Correct the enrolment data, then extend again."),
    ),
    ExtensionError.EXTENSION_ERROR: Remedy(
        gettext_lazy("A generic extension error with many possible causes."),
        (gettext_lazy("Contact the USOS office."),),
        CaseState.ESCALATED,
        gettext_lazy("Goes straight to the USOS office queue."),
    ),
}

# A second failed card read: the holder must visit the USOS office.
FAILED_READS_BEFORE_USOS_VISIT = 2


def settlement_hint(case: Case, today: dt.date) -> str | None:
    """For "nie jest rozliczony": what the enrolment data says is wrong right now."""
    semester = card_rules.extension_target(today)
    if semester is None:
        return _("No semester in the calendar covers today; an administrator must add it.")
    return card_rules.settlement_problem(case.holder, case.card.kind, semester, today)
