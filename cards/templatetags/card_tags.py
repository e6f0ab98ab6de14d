"""`{% card_state card %}`: the state badge, plus a warning when the chip date has passed."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("cards/_state_badge.html")
def card_state(card: Any, big: bool = False) -> dict:
    return {"card": card, "big": big, "lapsed": card.has_lapsed(timezone.localdate())}
