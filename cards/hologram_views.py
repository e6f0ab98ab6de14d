"""The batch hologram page: the queue of cards awaiting a hologram, confirmed at once."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .forms import HologramBatchForm
from .hologram_batch import confirm_holograms
from .models import EventSource, Unit
from .policy import may_act_somewhere
from .roles import sees_all_cards, unit_ids_of
from .selectors import card_list_for_user, hologram_queue

# One sitting at the desk; the rest of the queue shows after these are done.
QUEUE_LIMIT = 200


def _units_to_choose(user) -> list[Unit]:
    units = Unit.objects.order_by("name")
    return list(units if sees_all_cards(user) else units.filter(pk__in=unit_ids_of(user)))


def _posted_cards(request) -> list:
    """The cards the page showed, in its order (one that moved meanwhile is refused by
    the service with the reason, not silently dropped)."""
    ids = [int(pk) for pk in request.POST.getlist("card")[:QUEUE_LIMIT] if pk.isdigit()]
    cards = card_list_for_user(request.user).in_bulk(ids)
    return [cards[pk] for pk in dict.fromkeys(ids) if pk in cards]


def _report(request, outcomes) -> None:
    done = [o for o in outcomes if o.confirmed]
    if done:
        messages.success(request, ngettext(
            "Hologram confirmed on %(count)d card: %(cards)s.",
            "Holograms confirmed on %(count)d cards: %(cards)s.", len(done),
        ) % {"count": len(done),
             "cards": ", ".join(f"{o.card.number} ({o.number})" for o in done)})
    for outcome in outcomes:
        if not outcome.confirmed:
            messages.error(request, _("%(card)s, hologram %(number)s: %(reason)s") % {
                "card": outcome.card.number, "number": outcome.number,
                "reason": outcome.refusal.message})


@login_required
def hologram_batch(request):
    if not may_act_somewhere(request.user, "confirm_hologram"):
        raise PermissionDenied
    units = _units_to_choose(request.user)
    unit_id = request.GET.get("unit", "")
    unit = next((u for u in units if str(u.pk) == unit_id), None)
    status = 200
    if request.method == "POST":
        form = HologramBatchForm(request.POST, cards=_posted_cards(request))
        if form.is_valid():
            if "fill" not in request.POST:
                outcomes = confirm_holograms(entries=form.entries, actor=request.user,
                                             source=EventSource.WEB)
                _report(request, outcomes)
                return redirect(request.get_full_path())
            form = HologramBatchForm(form.filled_in(), cards=form.cards)
            form.is_valid()
        else:
            status = 400
        total = len(form.cards)
    else:
        queue = hologram_queue(request.user, unit.pk if unit else None)
        total = queue.count()
        form = HologramBatchForm(cards=list(queue[:QUEUE_LIMIT]))
    return render(request, "cards/hologram_batch.html", {
        "form": form, "units": units if len(units) > 1 else [], "unit": unit,
        "total": total, "limit": QUEUE_LIMIT,
    }, status=status)
