"""The cases pages: queues, the case page with its forms, opening a case from a card, and
the holder's own cases. Views are thin: validate a form, call one service, redirect; a
refusal is shown inline on the re-rendered page and changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cards.errors import CardActionError
from cards.models import EventSource
from cards.roles import is_staff_member
from cards.selectors import card_get_for_user

from . import policy, services
from .bulk import BULK_STEPS, BulkResult, cases_step_in_bulk
from .case_forms import ASSESSMENT_STEPS, case_forms
from .case_history import history_parts
from .models import Attachment, CaseKind
from .page_selectors import (
    card_cases_for_user,
    case_work_for_user,
    holder_overview,
    queue_page,
    unit_choices,
)
from .selectors import case_detail_for_user, case_for_user
from .staff_forms import (
    PAYMENT_DONE,
    PAYMENT_LABELS,
    AssignForm,
    AttachmentForm,
    AttemptForm,
    CommentForm,
    OpenCaseForm,
    assessment_form,
    payment_form,
    queue_filters,
    step_form,
)
from .transitions import OPENED_FROM_A_READ, TRANSITIONS

WEB = EventSource.WEB


def _staff_only(request: HttpRequest) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied


# --- queues --------------------------------------------------------------------------

@login_required
def case_queue(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    filters = queue_filters(request.GET or None, unit_choices(request.user))
    data = queue_page(request.user, page_number=request.GET.get("page"), **filters.chosen)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "warranty/case_list.html", {
        "filters": filters, "tabs": data.tabs, "page": data.page,
        "overdue_count": data.overdue_count,
        "query": query.urlencode(),
        "bulk_steps": [(name, TRANSITIONS[name].label) for name in BULK_STEPS],
    })


BULK_PICK = re.compile(r"(\d{1,18}):([a-z_]{1,40})")


@require_POST
@login_required
def case_bulk_step(request: HttpRequest) -> HttpResponse:
    """One step on the ticked cases of a queue (`pick` = "<case id>:<state shown>")."""
    _staff_only(request)
    action = request.POST.get("action", "")
    matches = [BULK_PICK.fullmatch(value) for value in request.POST.getlist("pick")]
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("warranty:list")
    if not all(matches):
        messages.error(request, _("The list of cases was not understood; reload the page."))
        return redirect(back)
    try:
        result = cases_step_in_bulk(picks=[(int(m[1]), m[2]) for m in matches], action=action,
                                    actor=request.user, source=WEB)
    except CardActionError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    report_bulk_result(request, action, result)
    return redirect(back)


def report_bulk_result(request: HttpRequest, action: str, result: BulkResult) -> None:
    """The cases done in one message, each refusal in its own, with its reason."""
    if result.done:
        messages.success(request, ngettext(
            "%(step)s — done for %(count)d case: %(cases)s.",
            "%(step)s — done for %(count)d cases: %(cases)s.", len(result.done)) % {
            "step": TRANSITIONS[action].label, "count": len(result.done),
            "cases": ", ".join(result.done)})
    for number, reason in result.refused:
        messages.error(request, _("%(case)s: %(reason)s") % {"case": number, "reason": reason})


# --- the case page -------------------------------------------------------------------

def _staff_context(request: HttpRequest, detail: Any, bound: dict) -> dict:
    case = detail.case
    work = case_work_for_user(request.user, case)
    forms, csrf_token = case_forms(request, detail, work, bound)
    return {
        "work": work, "forms": forms,
        "assign_form": AssignForm(people=work.assignees, initial={
            "assignee": case.assigned_to_id}) if work.assignees else None,
        **({"csrf_token": csrf_token} if csrf_token else {}),  # one token for every form
    }


def _case_page(request: HttpRequest, pk: int, bound: dict | None = None,
               status: int = 200) -> HttpResponse:
    detail = case_detail_for_user(request.user, pk, with_timeline=False)
    context: dict = {"detail": detail, "case": detail.case}
    if not is_staff_member(request.user):
        return render(request, "warranty/holder_case.html", context, status=status)
    context.update(_staff_context(request, detail, bound or {}),
                   history=history_parts(detail.case))
    return render(request, "warranty/case_detail.html", context, status=status)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, pk)


def _submit(request: HttpRequest, pk: int, key: str, form: django_forms.Form,
            call: Callable[[Any, dict], Any], done: str) -> HttpResponse:
    """Validate `form`, make the one service `call`, and redirect to the case page; on
    bad input or a refusal, show the page again with the reason next to the form."""
    case = case_for_user(request.user, pk)
    status = 400
    if form.is_valid():
        try:
            call(case, form.cleaned_data)
        except CardActionError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, done)
            return redirect("warranty:detail", pk=case.pk)
    return _case_page(request, pk, bound={key: form}, status=status)


@require_POST
@login_required
def case_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = TRANSITIONS.get(action)
    if spec is None or spec.internal:
        raise Http404
    if action in ASSESSMENT_STEPS:
        key, form = "assessment", assessment_form(None, request.POST)
    else:
        key, form = f"step-{action}", step_form(spec, None, request.POST)

    def call(case: Any, data: dict) -> Any:
        return services.case_act(case_id=case.pk, action=action, actor=request.user,
                                 source=WEB, expected_state=data["expected_state"],
                                 note=data["note"], **form.params())

    return _submit(request, pk, key, form, call, str(spec.done))


@require_POST
@login_required
def case_payment(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in PAYMENT_LABELS:
        raise Http404
    form = payment_form(action, request.POST)

    def call(case: Any, data: dict) -> Any:
        common = {"case_id": case.pk, "actor": request.user, "source": WEB}
        if action == "pay":
            return services.payment_mark_paid(**common, reference=data["reference"],
                                              paid_on=data["paid_on"])
        service = services.payment_waive if action == "waive" else services.payment_refund
        return service(**common, reason=data["reason"])

    return _submit(request, pk, f"payment-{action}", form, call, str(PAYMENT_DONE[action]))


@require_POST
@login_required
def case_attempt(request: HttpRequest, pk: int) -> HttpResponse:
    def call(case: Any, data: dict) -> Any:
        return services.case_record_attempt(case_id=case.pk, actor=request.user, source=WEB,
                                            succeeded=data["succeeded"], note=data["note"],
                                            extension_error=data["extension_error"])

    return _submit(request, pk, "attempt", AttemptForm(request.POST), call,
                   _("The attempt is recorded."))


@require_POST
@login_required
def case_comment(request: HttpRequest, pk: int) -> HttpResponse:
    def call(case: Any, data: dict) -> Any:
        return services.case_comment_add(case_id=case.pk, actor=request.user, body=data["body"],
                                         visible_to_holder=data["visible_to_holder"])

    return _submit(request, pk, "comment", CommentForm(request.POST), call,
                   _("The comment is added."))


@require_POST
@login_required
def case_attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    def call(case: Any, data: dict) -> Any:
        return services.case_attachment_add(case_id=case.pk, actor=request.user,
                                            upload=data["file"], description=data["description"])

    return _submit(request, pk, "attachment", AttachmentForm(request.POST, request.FILES), call,
                   _("The photo is attached."))


@require_POST
@login_required
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_user(request.user, pk)
    assignee: int | None
    if request.POST.get("take") == "me":
        assignee = request.user.pk
    else:
        form = AssignForm(request.POST, people=case_work_for_user(request.user, case).assignees)
        if not form.is_valid():
            messages.error(request, _("Choose someone from the list."))
            return redirect("warranty:detail", pk=case.pk)
        assignee = form.cleaned_data["assignee"]
    try:
        services.case_assign(case_id=case.pk, actor=request.user, source=WEB,
                             assignee_id=assignee)
    except CardActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The assignment is saved."))
    return redirect("warranty:detail", pk=case.pk)


@login_required
def attachment_file(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """Photos are served through the case's permission check, never from a public URL."""
    _staff_only(request)
    case = case_for_user(request.user, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, case=case)
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                        as_attachment="download" in request.GET,
                        filename=attachment.file.name.rsplit("/", 1)[-1])


# --- opening a case ------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@login_required
def case_open(request: HttpRequest, card_pk: int, kind: str) -> HttpResponse:
    if kind not in CaseKind.values or kind in OPENED_FROM_A_READ:
        raise Http404
    card = card_get_for_user(request.user, card_pk)
    refusal = policy.open_refusal(request.user, kind, card)
    if refusal:
        raise PermissionDenied(refusal)
    # A refusal's next step links here with its ground or error prefilled.
    prefill = {name: request.GET[name] for name in ("ground", "extension_error")
               if name in request.GET}
    form = OpenCaseForm(request.POST or None, kind=kind, card=card, initial=prefill)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                case = services.case_open(card_id=card.pk, kind=kind, actor=request.user,
                                          source=WEB, **form.params())
            except CardActionError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, _("Case %(number)s is open.") % {"number": case.number})
                return redirect("warranty:detail", pk=case.pk)
    return render(request, "warranty/case_open.html", {
        "card": card, "kind": CaseKind(kind), "form": form,
        "existing": card_cases_for_user(request.user, card).open_case,
    }, status=status)


# --- the holder's cases --------------------------------------------------------------

@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    if getattr(request.user, "holder", None) is None:
        raise Http404
    cards, cases = holder_overview(request.user)
    return render(request, "warranty/my_cases.html", {"cards": cards, "cases": cases})
