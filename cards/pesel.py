"""Building valid PESEL numbers for demo and test data (validation uses python-stdnum)."""

from __future__ import annotations

import datetime as dt

from stdnum.pl import pesel

_CENTURY_MONTH_OFFSET = {1800: 80, 1900: 0, 2000: 20, 2100: 40, 2200: 60}


def make_pesel(birth: dt.date, serial: int, *, female: bool) -> str:
    """A checksum-valid PESEL for the birth date; `serial` picks one of 500 per sex."""
    month = birth.month + _CENTURY_MONTH_OFFSET[birth.year // 100 * 100]
    sex_digit = (serial % 5) * 2 + (0 if female else 1)
    body = f"{birth.year % 100:02d}{month:02d}{birth.day:02d}{serial // 5 % 1000:03d}{sex_digit}"
    number = body + pesel.calc_check_digit(body)
    assert pesel.is_valid(number), number
    return number
