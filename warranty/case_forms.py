"""The case page's forms (its steps, the fee, the extension attempts, the photo and the
comment), rendered once per everything they show and kept (`cards.fragments`).

Unfilled, they show only what `_key` names: the case (its id in the form's addresses, its
state sent back with a step), the steps the viewer may take with each rule's refusal, the
fee's and attempts' forms the viewer gets, whether the viewer works on the case and today's
date (a payment's default day), besides the language, time zone and URL prefix. Their
CSRF token is the request's, put in on each view. Not kept: a form sent back with its
errors, and the hand-over step, whose new-card panel lists the viewer's readers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from cards import fragments

from .page_selectors import CaseWork
from .selectors import CaseDetail
from .staff_forms import (
    PAYMENT_LABELS,
    AttachmentForm,
    AttemptForm,
    CommentForm,
    assessment_form,
    payment_form,
    step_form,
)

ASSESSMENT_STEPS = ("approve_warranty", "require_duplicate")
PARTS = ("steps", "photo_form", "comment_form")


@dataclass(frozen=True)
class CaseForms:
    steps: SafeString
    photo_form: SafeString
    comment_form: SafeString


def case_forms(request: HttpRequest, detail: CaseDetail, work: CaseWork,
               bound: dict) -> tuple[CaseForms, str | None]:
    """The forms as this viewer gets them, and the CSRF token put in them (None when they
    hold none)."""
    key = None if bound or _shows_readers(detail) else _key(detail, work)
    parts = fragments.kept(key, lambda: tuple(
        render_to_string(f"warranty/_case_{part}.html", context)
        for context in [_context(request, detail, work, bound)] for part in PARTS))
    token = None

    def request_token() -> str:  # one token for every form of the page
        nonlocal token
        token = token or get_token(request)
        return token

    shown = [fragments.with_token(part, request_token) for part in parts]
    return CaseForms(*shown), token


def _shows_readers(detail: CaseDetail) -> bool:
    return any("new_number" in option["transition"].params and not option["refusal"]
               for option in detail.steps)


def _key(detail: CaseDetail, work: CaseWork) -> str:
    case = detail.case
    return fragments.key(
        "case-forms", case.pk, case.state,
        tuple((option["transition"].name, str(option["refusal"] or ""))
              for option in detail.steps),
        tuple(work.payment_actions), work.can_record_attempt, detail.can_work,
        timezone.localdate().isoformat())


def _context(request: HttpRequest, detail: CaseDetail, work: CaseWork, bound: dict) -> dict:
    case = detail.case
    steps, assessment = [], None
    for option in detail.steps:
        name = option["transition"].name
        if name in ASSESSMENT_STEPS:
            assessment = assessment or {
                "form": bound.get("assessment") or assessment_form(case), "steps": []}
            assessment["steps"].append(option)
            continue
        form = bound.get(f"step-{name}") or step_form(option["transition"], case)
        steps.append({**option, "form": form})
    return {
        "case": case, "csrf_token": fragments.CSRF_STAND_IN, "steps": steps,
        "assessment": assessment,
        "request": request if _shows_readers(detail) else None,
        "payment_forms": [
            {"action": a, "label": PAYMENT_LABELS[a],
             "form": bound.get(f"payment-{a}") or payment_form(a)}
            for a in work.payment_actions],
        "attempt_form": bound.get("attempt") or AttemptForm() if work.can_record_attempt
        else None,
        "comment_form": bound.get("comment") or CommentForm() if detail.can_work else None,
        "attachment_form": bound.get("attachment") or AttachmentForm()
        if detail.can_work else None,
        "open_form": next((k for k in bound if bound[k].errors), ""),
    }
