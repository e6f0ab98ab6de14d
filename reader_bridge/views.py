"""The reader desk, the card page's read list (live) and its "Read card" button."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cards.roles import is_staff_member
from cards.selectors import card_get_for_user, card_list_for_user
from warranty.bulk import stack_to_hand_over
from warranty.selectors import case_for_user

from .desk import desk_rows
from .errors import ReaderBridgeError
from .extension import extension_session_start
from .extension_status import extension_status
from .forms import ExtensionStartForm, ReadRequestForm
from .new_card import new_card_row
from .read_steps import card_read_rows
from .selectors import pending_request_for, pending_row, reads_for_card
from .services import devices_for_user, read_request_create

# The list polls every few seconds; a `since` further back than this is taken from here.
OLDEST_SINCE = dt.timedelta(days=30)


def _since_param(request, now: dt.datetime) -> dt.datetime | None:
    """`since` as an aware time within the last 30 days and now; None when absent.
    Raises forms.ValidationError for what is not a time."""
    raw = request.GET.get("since")
    if not raw:
        return None
    since = forms.DateTimeField().clean(raw)
    return min(max(since, now - OLDEST_SINCE), now)


def _bad_since() -> JsonResponse:
    return JsonResponse({"code": "invalid", "detail": {"since": [
        _("Enter the time as ISO 8601, e.g. 2026-03-01T12:00:00+01:00.")]}}, status=400)


def _int_param(request, name: str) -> int:
    try:
        return int(request.GET[name])
    except (KeyError, ValueError) as exc:
        raise Http404 from exc


def _staff_only(request) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied


@require_GET
@login_required
def desk(request):
    """Latest reads at my unit's readers; follows the reader to the card read."""
    _staff_only(request)
    return render(request, "reader_bridge/desk.html", {
        "reads": desk_rows(request.user), "devices": list(devices_for_user(request.user)),
        "now": timezone.now()})


@require_GET
@login_required
def desk_poll(request):
    """JSON for the desk: `?since=<ISO time of the previous answer>`."""
    _staff_only(request)
    now = timezone.now()
    try:
        since = _since_param(request, now)
    except forms.ValidationError:
        return _bad_since()
    return JsonResponse({"now": now.isoformat(), "reads": desk_rows(request.user, since=since)})


@require_GET
@login_required
def new_card_read(request, case_pk: int | None = None):
    """JSON for the hand-over form of one case, or of the hand-over stack: the new card
    just put on my reader (`?since=`)."""
    _staff_only(request)
    cases = ([case_for_user(request.user, case_pk)] if case_pk is not None
             else stack_to_hand_over(request.user, request.GET.get("page")).object_list)
    now = timezone.now()
    try:
        since = _since_param(request, now)
    except forms.ValidationError:
        return _bad_since()
    return JsonResponse({"now": now.isoformat(),
                         "read": new_card_row(request.user, cases, since=since)})


@require_GET
@login_required
def read_list(request):
    """JSON for the live list: `?card=ID&since=<ISO time of the previous answer>`, and
    `&case=ID` on that case's page."""
    card_id = _int_param(request, "card")
    if not card_list_for_user(request.user).filter(pk=card_id).exists():
        raise Http404
    now = timezone.now()
    try:
        since = _since_param(request, now)
    except forms.ValidationError:
        return _bad_since()
    on_case_page = _int_param(request, "case") if "case" in request.GET else None
    rows = card_read_rows(request.user, reads_for_card(card_id, since=since),
                          today=timezone.localdate(now), on_case_page=on_case_page)
    pending = pending_request_for(user=request.user, card_id=card_id)
    return JsonResponse({"now": now.isoformat(), "reads": rows,
                         "pending": pending_row(pending) if pending else None})


@require_POST
@login_required
def read_request(request, card_pk: int):
    card = card_get_for_user(request.user, card_pk)
    form = ReadRequestForm(request.POST, devices=devices_for_user(request.user))
    case = None
    if form.is_valid() and form.cleaned_data["case"]:
        case = case_for_user(request.user, form.cleaned_data["case"])
        if case.card_id != card.pk:
            raise Http404
    if form.is_valid():
        created = read_request_create(user=request.user, device_id=form.cleaned_data["device"].pk,
                                      card=card, case_id=case.pk if case else None)
        messages.info(request, _("Waiting for the next read from %(reader)s.")
                      % {"reader": created.device.name})
    else:
        messages.error(request, _("Choose one of your unit's readers."))
    if case:
        return redirect("warranty:detail", pk=case.pk)
    return redirect("cards:detail", pk=card.pk)


@require_POST
@login_required
def extension_start(request, card_pk: int):
    """"Przedłuż": arm the chosen reader for this card; the page then follows it live."""
    card = card_get_for_user(request.user, card_pk)
    form = ExtensionStartForm(request.POST, devices=devices_for_user(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose one of your unit's readers."))
        return redirect("cards:detail", pk=card.pk)
    try:
        session = extension_session_start(user=request.user,
                                          device_id=form.cleaned_data["device"].pk, card=card)
    except ReaderBridgeError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, _("Extending at %(reader)s: insert the card in the reader.")
                      % {"reader": session.device.name})
    return redirect(reverse("cards:detail", args=[card.pk]) + "#card-extension")


@require_GET
@login_required
def extension_progress(request, card_pk: int):
    """JSON for the card page's live extension notice (null: nothing to show); staff only."""
    if not is_staff_member(request.user):
        raise PermissionDenied
    card = card_get_for_user(request.user, card_pk)
    return JsonResponse({"extension": extension_status(card)})
