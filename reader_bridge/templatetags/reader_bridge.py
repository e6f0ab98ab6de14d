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
def card_reads(context, card, case=None):
    """The reads of `card` and a "Read card" form for staff with readers of their own.

    On a case page (`case=`) the request attaches to the case, and the rows come from the
    live poll right after loading, which keeps the case page's query count low.
    """
    user = context["request"].user
    staff = is_staff_member(user)
    devices = list(devices_for_user(user)) if staff else []
    form = ReadRequestForm.for_display(devices, case.pk if case else None) if devices else None
    return {
        "card": card,
        "reads": [] if case else [read_row(read) for read in reads_for_card(card.pk)],
        "load_on_start": case is not None,
        "form": form,
        "can_request": staff,
        "pending": (pending_request_for(user=user, card_id=card.pk)
                    if devices and not case else None),
        "now": timezone.now(),
        "csrf_token": context.get("csrf_token"),
        "request": context["request"],
    }
