"""The semester-start batch page: start a batch at a reader, watch the cards go through."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from cards.policy import may_act_somewhere

from .batch import batch_counts, batch_rows, batch_start, batches_for_user, changed_since
from .errors import ReaderBridgeError
from .extension import extension_session_end
from .services import devices_for_user


class BatchStartForm(forms.Form):
    device = forms.ModelChoiceField(queryset=None, label=_("Reader"), empty_label=None)

    def __init__(self, *args, devices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["device"].queryset = devices


def _may_extend(user) -> None:
    if not may_act_somewhere(user, "extend"):
        raise PermissionDenied


def _batch(user, pk: int):
    return get_object_or_404(batches_for_user(user), pk=pk)


@login_required
def batch_home(request):
    _may_extend(request.user)
    devices = devices_for_user(request.user)
    form = BatchStartForm(request.POST or None, devices=devices)
    if request.method == "POST":
        if form.is_valid():
            try:
                session = batch_start(user=request.user,
                                      device_id=form.cleaned_data["device"].pk)
            except ReaderBridgeError as exc:
                messages.error(request, exc.message)
            else:
                return redirect("reader_bridge:batch", pk=session.pk)
        status = 400
    else:
        status = 200
    recent = batches_for_user(request.user).order_by("-started_at")[:5]
    return render(request, "reader_bridge/batch_home.html", {
        "form": form, "has_devices": devices.exists(), "recent": recent,
        "now": timezone.now(),
    }, status=status)


@login_required
def batch_detail(request, pk: int):
    _may_extend(request.user)
    session = _batch(request.user, pk)
    now = timezone.now()
    rows = batch_rows(session, now, request.user)
    return render(request, "reader_bridge/batch_detail.html", {
        "session": session, "rows": rows, "counts": batch_counts(rows),
        "is_open": session.is_open(now), "now": now,
    })


@require_GET
@login_required
def batch_progress(request, pk: int):
    """JSON for the live list: `?since=<ISO time of the previous answer>`."""
    _may_extend(request.user)
    session = _batch(request.user, pk)
    since = parse_datetime(request.GET.get("since", "")) if request.GET.get("since") else None
    now = timezone.now()
    rows = batch_rows(session, now, request.user)
    return JsonResponse({
        "now": now.isoformat(), "open": session.is_open(now),
        "counts": batch_counts(rows),
        "rows": [row.as_json() for row in changed_since(rows, since)],
    })


@require_POST
@login_required
def batch_end(request, pk: int):
    _may_extend(request.user)
    session = _batch(request.user, pk)
    extension_session_end(user=request.user, session_id=session.pk)
    messages.success(request, _("The batch has ended: the reader no longer extends the "
                                "cards inserted."))
    return redirect("reader_bridge:batch", pk=session.pk)
