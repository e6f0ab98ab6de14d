"""PESEL numbers: valid ones for demo and test data, encryption at rest, the keyed hash
that exact-match search goes through, and the mask people see.

The number is stored encrypted (Fernet; several keys for rotation: the first encrypts,
all decrypt) and beside it an HMAC of it, so "who has this PESEL" is one indexed
equality without decrypting anything. Nothing can search by a part of the number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from stdnum.pl import pesel

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_CENTURY_MONTH_OFFSET = {1800: 80, 1900: 0, 2000: 20, 2100: 40, 2200: 60}


def make_pesel(birth: dt.date, serial: int, *, female: bool) -> str:
    """A checksum-valid PESEL for the birth date; `serial` picks one of 500 per sex."""
    month = birth.month + _CENTURY_MONTH_OFFSET[birth.year // 100 * 100]
    sex_digit = (serial % 5) * 2 + (0 if female else 1)
    body = f"{birth.year % 100:02d}{month:02d}{birth.day:02d}{serial // 5 % 1000:03d}{sex_digit}"
    number = body + pesel.calc_check_digit(body)
    assert pesel.is_valid(number), number
    return number


def mask_pesel(value: str | None) -> str:
    """Show only the last four digits: enough to tell people apart at a desk."""
    if not value:
        return ""
    return "•" * (len(value) - 4) + value[-4:]


def pesel_digest(value: str) -> str:
    """The keyed hash stored beside the encrypted number ("" for no number)."""
    if not value:
        return ""
    key = settings.PESEL_HASH_KEY.encode()
    return hmac.new(key, value.strip().encode(), hashlib.sha256).hexdigest()


def pesel_encrypt(value: str) -> str:
    return encrypt_at_rest(value.encode()).decode()


def pesel_decrypt(token: str) -> str:
    return decrypt_at_rest(token.encode()).decode()


def encrypt_at_rest(data: bytes) -> bytes:
    """A Fernet token of `data` under the newest of PESEL_ENCRYPTION_KEYS. Used for the
    numbers and for whatever else carries them: chip files and the reads that hold them."""
    return configured_fernet().encrypt(data)


def decrypt_at_rest(token: bytes) -> bytes:
    try:
        return configured_fernet().decrypt(token)
    except InvalidToken:
        raise ImproperlyConfigured(
            "Stored personal data cannot be decrypted with PESEL_ENCRYPTION_KEYS: "
            "was a key removed before `manage.py pesel_rotate_key` re-encrypted the rows?"
        ) from None


def configured_fernet() -> MultiFernet:
    """PESEL_ENCRYPTION_KEYS as one MultiFernet; ImproperlyConfigured when it holds no key
    or one that is not a Fernet key (checked at start too: `legitymacje.checks`)."""
    return _fernet(tuple(settings.PESEL_ENCRYPTION_KEYS))


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("PESEL_ENCRYPTION_KEYS is empty")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "PESEL_ENCRYPTION_KEYS: every key must be 32 url-safe base64-encoded bytes") from exc
