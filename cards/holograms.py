"""Hologram numbers: 8 digits, the university's 3-digit code and a 5-digit running number.

The code is the university's (`settings.HOLOGRAM_UNIVERSITY_CODE`); a roll of stickers
runs on consecutively, so a batch can be numbered from its first sticker.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _

RUNNING_DIGITS = 5
_NUMBER = re.compile(r"\d{8}")
_SEPARATORS = re.compile(r"[\s\-]")


def university_code() -> str:
    return settings.HOLOGRAM_UNIVERSITY_CODE


def normalise(typed: str) -> str:
    """What staff type, without the spaces and dashes they may group the digits with."""
    return _SEPARATORS.sub("", typed or "")


def number_format_problem(number: str) -> str | None:
    """Why `number` is not one of this university's hologram numbers, or None."""
    code = university_code()
    if not _NUMBER.fullmatch(number):
        return _("A hologram number has 8 digits: the university's code (%(code)s) and a "
                 "5-digit running number, e.g. %(example)s.") % {
                     "code": code, "example": f"{code}00001"}
    if not number.startswith(code):
        return _("Hologram %(number)s is not this university's: its numbers start with "
                 "%(code)s.") % {"number": number, "code": code}
    return None


def next_number(previous: str) -> str:
    """The number after `previous` on the roll, or "" past the last running number."""
    if not _NUMBER.fullmatch(previous):
        return ""
    code, running = previous[:-RUNNING_DIGITS], int(previous[-RUNNING_DIGITS:]) + 1
    return f"{code}{running:0{RUNNING_DIGITS}d}" if running < 10**RUNNING_DIGITS else ""


def fill_in(first: str, typed: list[str]) -> list[str]:
    """A number for each row in order: the row's own if typed, else the one after the
    previous row's, or `first` while no row before has one. A row stays empty when
    there is nothing to follow or the roll has ended."""
    numbers, previous = [], None
    for own in typed:
        number = own or (first if previous is None else next_number(previous))
        numbers.append(number)
        previous = number or previous
    return numbers
