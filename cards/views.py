from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .actions import ACTIONS
from .card_list import card_list_page
from .errors import ActionForbidden, CardActionError
from .forms import CardSearchForm, action_form
from .hooks import actions_offered_elsewhere
from .models import EventSource
from .roles import is_staff_member
from .selectors import card_get_for_user, card_list_for_user, holder_card_view
from .services import available_actions, card_act


@login_required
def card_list(request):
    if not is_staff_member(request.user):
        raise PermissionDenied
    form = CardSearchForm(request.GET or None)
    query, state = "", ""
    if form.is_valid():
        query, state = form.cleaned_data["q"], form.cleaned_data["state"]
    listed = card_list_page(request.user, query=query, state=state,
                            page_number=request.GET.get("page"))
    return render(request, "cards/card_list.html",
                  {"form": form, "page": listed.page, "exact": listed.exact,
                   "newest_first": listed.newest_first})


@login_required
def my_cards(request):
    holder = getattr(request.user, "holder", None)
    if holder is None:
        raise Http404
    cards = card_list_for_user(request.user).filter(holder=holder).prefetch_related("events")
    return render(request, "cards/my_cards.html",
                  {"holder": holder, "cards": [holder_card_view(card) for card in cards]})


def _detail_context(request, card, forms=None):
    forms = forms or {}
    options, offered_elsewhere = [], []
    elsewhere = actions_offered_elsewhere()
    for option in available_actions(card, request.user):
        name = option["action"].name
        if name in elsewhere:
            offered_elsewhere.append(name)
            continue
        options.append({**option, "form": forms.get(name) or action_form(name, card)})
    return {"card": card, "actions": options, "offered_elsewhere": offered_elsewhere,
            "events": card.events.all()}


@login_required
def card_detail(request, pk: int):
    card = card_get_for_user(request.user, pk)
    if not is_staff_member(request.user):
        return render(request, "cards/holder_card.html", {"view": holder_card_view(card)})
    return render(request, "cards/card_detail.html", _detail_context(request, card))


@require_POST
@login_required
def card_action(request, pk: int, action: str):
    card = card_get_for_user(request.user, pk)
    if action not in ACTIONS or action in actions_offered_elsewhere():
        raise Http404
    form = action_form(action, card, data=request.POST)
    if form.is_valid():
        try:
            card_act(card_id=card.pk, action=action, actor=request.user, source=EventSource.WEB,
                     expected_state=form.cleaned_data["expected_state"],
                     note=form.cleaned_data["note"], **form.params())
        except ActionForbidden as exc:
            messages.error(request, exc.message)
            return redirect("cards:detail", pk=card.pk)
        except CardActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, str(ACTIONS[action].done))
            return redirect("cards:detail", pk=card.pk)
    card = card_get_for_user(request.user, pk)
    context = _detail_context(request, card, forms={action: form})
    context["open_action"] = action
    return render(request, "cards/card_detail.html", context, status=400)
