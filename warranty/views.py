"""Minimal pages of the cases app: the public status lookup and the intake receipt.
(The staff pages are built on `warranty.selectors` and `warranty.services`.)"""

from __future__ import annotations

import secrets

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from cards.errors import ActionNotPossible

from .errors import LookupRateLimited
from .forms import StatusLookupForm
from .lookup import case_status_lookup
from .receipts import handover_receipt_pdf, intake_receipt_pdf
from .selectors import case_get_for_user

LOOKUP_DEVICE_COOKIE = "lookup_device"


def _lookup_device(request: HttpRequest) -> str:
    """The browser's own random id (signed cookie): its attempts count on it."""
    return request.get_signed_cookie(LOOKUP_DEVICE_COOKIE, default="", salt="case-lookup")


@require_http_methods(["GET", "POST"])
def status_lookup(request: HttpRequest) -> HttpResponse:
    """POST (CSRF-protected) so case and album numbers stay out of URLs and logs."""
    device = _lookup_device(request)
    response = _status_lookup(request, device)
    if not device:
        response.set_signed_cookie(LOOKUP_DEVICE_COOKIE, secrets.token_urlsafe(16),
                                   salt="case-lookup", max_age=365 * 86400, httponly=True,
                                   samesite="Lax", secure=request.is_secure())
    return response


def _status_lookup(request: HttpRequest, device: str) -> HttpResponse:
    form = StatusLookupForm(request.POST or None)
    context: dict = {"form": form, "searched": False}
    status = 200
    if request.method == "POST" and form.is_valid():
        context["searched"] = True
        try:
            context["result"] = case_status_lookup(
                number=form.cleaned_data["number"], album_number=form.cleaned_data["album_number"],
                client_ip=request.META.get("REMOTE_ADDR", ""), device=device)
        except LookupRateLimited as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
    return render(request, "warranty/status_lookup.html", context, status=status)


def _receipt(request: HttpRequest, pk: int, make_pdf, name: str) -> HttpResponse:
    case = case_get_for_user(request.user, pk)
    try:
        pdf = make_pdf(case)
    except ActionNotPossible as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = case.number.replace("/", "-")
    response["Content-Disposition"] = f'inline; filename="{name}-{filename}.pdf"'
    return response


@login_required
def intake_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    return _receipt(request, pk, intake_receipt_pdf, "receipt")


@login_required
def handover_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    return _receipt(request, pk, handover_receipt_pdf, "handover")
