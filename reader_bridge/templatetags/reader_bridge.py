"""`{% card_reads card %}`: the card page's reads panel, without cards importing us."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django_fsm import can_proceed

from cards import fragments, policy, rules
from cards.actions import ACTIONS
from cards.roles import is_staff_member
from warranty.next_steps import next_step

from ..extension import extension_error_of
from ..extension_status import extension_status
from ..forms import ExtensionStartForm, ReadRequestForm
from ..models import CardRead
from ..read_steps import card_read_rows
from ..read_text import read_details
from ..selectors import pending_request_for, reads_for_card
from ..services import device_choices, devices_for_user

register = template.Library()
READS_PANEL = "reader_bridge/card_reads.html"


@register.simple_tag(takes_context=True)
def card_reads(context, card, case=None):
    """The reads of `card` and a "Read card" form for staff with readers of their own.

    On a case page (`case=`) the request attaches to the case, and the rows come from the
    live poll right after loading, which keeps the case page's query count low; the panel
    then shows only the card, the case and the viewer's readers, and is kept rendered per
    those (`cards.fragments`).
    """
    user = context["request"].user
    staff = is_staff_member(user)
    devices = device_choices(user) if staff else []
    panel = {"card": card, "case": case, "can_request": staff,
             "form": ReadRequestForm.for_display(devices, case.pk if case else None)
             if devices else None}
    if case is None:
        return mark_safe(render_to_string(READS_PANEL, {  # noqa: S308 - our template
            **panel, "reads": card_read_rows(user, reads_for_card(card.pk),
                                             today=timezone.localdate()),
            "pending": pending_request_for(user=user, card_id=card.pk) if devices else None,
            "now": timezone.now(), "csrf_token": context.get("csrf_token")}))
    html = fragments.kept(
        fragments.key("card-reads", card.pk, case.pk, staff, tuple(devices)),
        lambda: render_to_string(READS_PANEL, {
            **panel, "reads": [], "load_on_start": True,
            "csrf_token": fragments.CSRF_STAND_IN}))
    return fragments.with_token(html, lambda: context.get("csrf_token"))


@register.inclusion_tag("reader_bridge/_read_details.html", takes_context=True)
def case_read(context, case):
    """The read a case was opened from (a suspected forgery), for staff."""
    read = (CardRead.objects.select_related("device").filter(pk=case.card_read_id).first()
            if is_staff_member(context["request"].user) else None)
    return {"details": read_details(read) if read else None}


@register.inclusion_tag("reader_bridge/card_extension.html", takes_context=True)
def card_extension(context, card):
    """"Przedłuż" at a reader, and the extension's progress and write state, live.

    The extension is offered like the card's other actions (its state allows it and the
    user's role does), with the rule's refusal when there is one. Every member of staff
    sees the write state: a torn write must be seen by whoever has the card in hand.
    """
    user = context["request"].user
    if not is_staff_member(user):
        return {"show": False}
    offered = can_proceed(card.extend) and policy.refusal_for_user(user, "extend", card) is None
    devices = list(devices_for_user(user)) if offered else []
    today = timezone.localdate()
    refusal = rules.extension_refusal(card, today) if offered else None
    return {
        "show": True,
        "card": card,
        "offer": ACTIONS["extend"] if offered else None,
        "refusal": refusal,
        "next_step": next_step(user, card, today=today,
                               extension_error=extension_error_of(refusal, card))
        if refusal else None,
        "form": ExtensionStartForm.for_display(devices) if devices else None,
        "status": extension_status(card),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("reader_bridge/new_card_read.html", takes_context=True)
def new_card_read(context, case=None, serial_input_id="", stack_page=1):
    """On a hand-over form: the new card put on my reader fills the chip serial input
    (`serial_input_id`; on the stack without a `case`, the input of the case the chip's
    data name, among the cases of `stack_page`), or shows why that chip is refused;
    typing is the fallback."""
    devices = list(devices_for_user(context["request"].user))
    url = (reverse("reader_bridge:new-card", args=[case.pk]) if case is not None
           else f"{reverse('reader_bridge:new-card-stack')}?page={int(stack_page)}")
    return {"url": url, "readers": ", ".join(device.name for device in devices),
            "serial_input_id": serial_input_id, "now": timezone.now()}
