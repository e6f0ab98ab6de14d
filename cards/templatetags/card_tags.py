"""`{% card_state card %}`: the state badge, plus a warning when the chip date has passed;
`|ago`: how long ago, in words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext

register = template.Library()


@register.inclusion_tag("cards/_state_badge.html")
def card_state(card: Any, big: bool = False) -> dict:
    return {"card": card, "big": big, "lapsed": card.has_lapsed(timezone.localdate())}


@register.filter
def ago(moment: Any) -> str:
    """"przed chwilą" for the last minute, else "3 godziny temu" (never "0 minut temu")."""
    if not moment:
        return ""
    if timezone.now() - moment < dt.timedelta(minutes=1):
        return gettext("just now")
    return gettext("%(age)s ago") % {"age": timesince(moment, depth=1)}
