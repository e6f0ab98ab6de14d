"""The card page's read list (live) and its "Read card" button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cards.selectors import card_get_for_user, card_list_for_user

from .forms import ReadRequestForm
from .selectors import read_row, reads_for_card
from .services import devices_for_user, read_request_create


def _int_param(request, name: str) -> int:
    try:
        return int(request.GET[name])
    except (KeyError, ValueError) as exc:
        raise Http404 from exc


@require_GET
@login_required
def read_list(request):
    """JSON for the live list: `?card=ID&since=<ISO time of the previous answer>`."""
    card_id = _int_param(request, "card")
    if not card_list_for_user(request.user).filter(pk=card_id).exists():
        raise Http404
    since = parse_datetime(request.GET.get("since", "")) if request.GET.get("since") else None
    now = timezone.now()
    rows = [read_row(read) for read in reads_for_card(card_id, since=since)]
    return JsonResponse({"now": now.isoformat(), "reads": rows})


@require_POST
@login_required
def read_request(request, card_pk: int):
    card = card_get_for_user(request.user, card_pk)
    form = ReadRequestForm(request.POST, devices=devices_for_user(request.user))
    if form.is_valid():
        created = read_request_create(user=request.user, device_id=form.cleaned_data["device"].pk,
                                      card=card)
        messages.info(request, _("Waiting for the next read from %(reader)s.")
                      % {"reader": created.device.name})
    else:
        messages.error(request, _("Choose one of your unit's readers."))
    return redirect("cards:detail", pk=card.pk)
