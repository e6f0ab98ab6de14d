"""One date format on every Polish page, e-mail and receipt: 31.10.2026, 31.10.2026 14:05.

Django's Polish defaults mix "31 października 2026" and "31-10-2026"; offices write dates
with dots. Everything else falls back to Django's Polish formats.
"""

DATE_FORMAT = "d.m.Y"
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
