"""`{% card_state card %}`: the state badge, plus a warning when the chip date has passed;
`{% card_rows cards %}`: the rows of the card list; `|ago` (`Ago`): how long ago, in words;
`Days`: the local day of a moment, as the lists write it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.translation import gettext

from ..markup import escape, id_links, table_rows
from ..models import Card

register = template.Library()


@register.simple_tag
def card_state(card: Any, big: bool = False) -> str:
    """Written here rather than in a template: the card list shows 25 (an inclusion
    tag cost 2 ms for them)."""
    return mark_safe(_state_badge(  # noqa: S308 - escaped
        card, str(card.state_label), timezone.localdate(), get_format("SHORT_DATE_FORMAT"),
        " big" if big else ""))


def _state_badge(card: Any, label: str, today: dt.date, day_format: str, size: str = "") -> str:
    badge = f'<span class="badge{size} state-{escape(card.state)}">{escape(label)}</span>'
    if not card.has_lapsed(today):
        return badge
    until = gettext("Valid until %(day)s") % {"day": dateformat.format(card.valid_until,
                                                                       day_format)}
    return (f'{badge} <span class="badge{size} lapsed" title="{escape(until)}">'
            f'{escape(gettext("expired — extend"))}</span>')


# A row of the card list (cards/card_list.html), written by `card_rows` rather than by
# the template: the list shows 25, and the template's tags and filters cost ~3 ms for them.
CARD_ROW = """
    <tr>
      <td><a href="{url}">{number}</a></td>
      <td>{holder}</td>
      <td>{holder_number}</td>
      <td>{unit}</td>
      <td>{valid_until}</td>
      <td>{state}</td>
    </tr>"""


@register.simple_tag
def card_rows(cards: list[Any]) -> str:
    """The page's cards (`cards.card_list.CardRow`), each as CARD_ROW, every cell escaped; the
    link, the state labels, the date format and today worked out once per page."""
    link = id_links("cards:detail")
    labels = Card.state_label.translated()
    today, day_format = timezone.localdate(), get_format("SHORT_DATE_FORMAT")
    return table_rows([CARD_ROW.format(
        url=link(card.pk), number=escape(card.number),
        holder=escape(card.holder_name), holder_number=escape(card.holder_number),
        unit=escape(card.unit_name),
        valid_until=escape(dateformat.format(card.valid_until, day_format))
        if card.valid_until else "—",
        state=_state_badge(card, labels.get(card.state, card.state), today, day_format))
        for card in cards])


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


# Format characters of a time of day or zone: a format with none of them writes the day only.
_NOT_OF_THE_DAY = frozenset("aABcefgGhHiIOPrsTuUZ")


class Days:
    """`date:"SHORT_DATE_FORMAT"` of a moment in the current time zone, each day written
    (and escaped) once: a page's rows share a few days, and Django's `dateformat` costs
    more than the rest of a row. One instance serves one page (one language)."""

    def __init__(self) -> None:
        self.format = get_format("SHORT_DATE_FORMAT")
        self.by_day = not _NOT_OF_THE_DAY & set(self.format)
        self.written: dict[dt.date, str] = {}

    def __call__(self, moment: dt.datetime) -> str:
        local = timezone.template_localtime(moment)
        if not self.by_day:
            return escape(dateformat.format(local, self.format))
        day = local.date()
        if day not in self.written:
            self.written[day] = escape(dateformat.format(local, self.format))
        return self.written[day]


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
