"""`{% card_reads card %}`: the card page's reads panel, without cards importing us."""

from __future__ import annotations

from django import template
from django.utils import timezone

from cards.roles import is_staff_member

from ..forms import ReadRequestForm
from ..selectors import pending_request_for, read_row, reads_for_card
from ..services import devices_for_user

register = template.Library()


@register.inclusion_tag("reader_bridge/card_reads.html", takes_context=True)
def card_reads(context, card):
    user = context["request"].user
    staff = is_staff_member(user)
    devices = devices_for_user(user) if staff else None
    return {
        "card": card,
        "reads": [read_row(read) for read in reads_for_card(card.pk)],
        "form": ReadRequestForm(devices=devices) if staff and devices.exists() else None,
        "can_request": staff,
        "pending": pending_request_for(user=user, card_id=card.pk) if staff else None,
        "now": timezone.now(),
        "csrf_token": context.get("csrf_token"),
        "request": context["request"],
    }
