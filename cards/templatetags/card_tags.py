"""`{% card_state card %}`: the state badge, plus a warning when the chip date has passed;
`{% card_row card %}`: a row of the card list; `|ago` (`Ago`): how long ago, in words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.translation import gettext

from ..markup import escape

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


# One row of the card list (cards/card_list.html), written by `card_row` rather than by
# the template: the list shows 25, and the template's tags and filters cost ~3 ms for them.
CARD_ROW = """
    <tr>
      <td><a href="{url}">{kind} {number}</a></td>
      <td>{holder}</td>
      <td>{holder_number}</td>
      <td>{unit}</td>
      <td>{valid_until}</td>
      <td>{state}</td>
    </tr>"""


@register.simple_tag
def card_row(card: Any) -> str:
    holder = card.holder
    cells = {
        "url": reverse("cards:detail", args=[card.pk]), "kind": card.kind,
        "number": card.number, "holder": holder.full_name,
        "holder_number": holder.album_number or holder.employee_number,
        "unit": card.serving_unit.name,
        "valid_until": date_format(card.valid_until, "SHORT_DATE_FORMAT")
        if card.valid_until else "—",
        "state": card_state(card)}
    return mark_safe(CARD_ROW.format_map(  # noqa: S308 - every cell is escaped
        {name: escape(value) for name, value in cells.items()}))


class Ago:
    """How long ago, in words, as of one moment: "przed chwilą" for the last minute, else
    "3 godziny temu" (never "0 minut temu"). Each counted word ("3 godziny") is translated
    once: a page's rows share most of them, and `timesince` translates them anew each
    time. One instance serves one page (one language)."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        self.now = now or timezone.now()
        self.just_now, self.text = gettext("just now"), gettext("%(age)s ago")
        self.words = {unit: _CountedWords(words) for unit, words in TIME_STRINGS.items()}

    def __call__(self, moment: Any) -> str:
        if not moment:
            return ""
        if self.now - moment < dt.timedelta(minutes=1):
            return self.just_now
        return self.text % {"age": timesince(moment, self.now, depth=1,
                                             time_strings=self.words)}


class _CountedWords:
    """`words % {"num": n}` as `timesince` writes it, translated once per number."""

    def __init__(self, words: Any) -> None:
        self.words, self.written = words, {}

    def __mod__(self, params: dict) -> str:
        count = params["num"]
        if count not in self.written:
            self.written[count] = self.words % params
        return self.written[count]


@register.filter
def ago(moment: Any) -> str:
    return Ago()(moment)
