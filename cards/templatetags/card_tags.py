"""`{% card_state card %}`: the state badge, plus a warning when the chip date has passed;
`|ago`: how long ago, in words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def card_state(card: Any, big: bool = False) -> str:
    """Written here rather than in a template: the card list shows 25 (an inclusion
    tag cost 2 ms for them)."""
    size = " big" if big else ""
    badge = format_html('<span class="badge{} state-{}">{}</span>', size, card.state,
                        card.state_label)
    if not card.has_lapsed(timezone.localdate()):
        return badge
    until = gettext("Valid until %(day)s") % {
        "day": date_format(card.valid_until, "SHORT_DATE_FORMAT")}
    return format_html('{} <span class="badge{} lapsed" title="{}">{}</span>', badge, size,
                       until, gettext("expired — extend"))


@register.filter
def ago(moment: Any) -> str:
    """"przed chwilą" for the last minute, else "3 godziny temu" (never "0 minut temu")."""
    if not moment:
        return ""
    if timezone.now() - moment < dt.timedelta(minutes=1):
        return gettext("just now")
    return gettext("%(age)s ago") % {"age": timesince(moment, depth=1)}
