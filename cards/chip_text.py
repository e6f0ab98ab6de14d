"""The chip codec's words in the reader's language, at display.

`cards.chip` has no Django and its reads are stored as it wrote them, in English: the
problems of the checklist, the parse errors and the notes on odd fields. Pages show
them through these functions, which recognise each sentence the codec writes and give
it in the active language with its values in place (a sentence they do not know is
shown as stored). `tests/cards/test_chip_text.py` makes every sentence of the codec
known here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

FIELD_LABELS = {
    "version": _("version"),
    "chip_serial": _("chip serial"),
    "university": _("university"),
    "surnames": _("surnames"),
    "given_names": _("given names"),
    "album_number": _("album number"),
    "album_series": _("album series"),
    "pesel": _("PESEL"),
    "valid_until": pgettext_lazy("chip data", "valid until"),
    "notes": _("notes on the fields"),
    "content_oid": _("content type (OID)"),
    "digest_algorithm": _("digest algorithm"),
    "signature_algorithm": _("signature algorithm"),
    "signing_time": _("signing time"),
    "signer": _("signer's certificate"),
    "subject": pgettext_lazy("certificate", "subject"),
    "issuer": pgettext_lazy("certificate", "issuer"),
    "serial_number": pgettext_lazy("certificate", "serial number"),
    "not_before": pgettext_lazy("certificate", "valid from"),
    "not_after": pgettext_lazy("certificate", "valid until"),
    "sha256": _("SHA-256 fingerprint"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def format_date(value: str) -> str:
    try:
        return date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    except ValueError:
        return value


def format_moment(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "SHORT_DATETIME_FORMAT")


def _phrase(value: str) -> str:
    return gettext("an issuing phrase") if value == "an issuing phrase" else value


# (the codec's English sentence, with {name} for a value; the text shown; how a value is
# shown when it needs more than itself)
_SENTENCES: list[tuple[str, Any, Mapping[str, Callable[[str], str]]]] = [
    # the verification checklist
    ("the signed data names chip {data}, but the card read is {read}",
     _("the signed data name chip %(data)s, but the card in the reader is %(read)s"), {}),
    ("the chip data has no {field}", _("the chip data have no field “%(field)s”"),
     {"field": field_label}),
    ("the PESEL on the chip fails its checksum",
     _("the PESEL on the chip fails its checksum"), {}),
    ("validity ended on {date}", _("validity ended on %(date)s"), {"date": format_date}),
    ("no certificate of the signer was found", _("no certificate of the signer was found"), {}),
    ("unsupported digest algorithm {algorithm}",
     _("unsupported digest algorithm %(algorithm)s"), {}),
    ("the card data was changed after signing", _("the card data were changed after signing"),
     {}),
    ("the signature does not match the card data",
     _("the signature does not match the card data"), {}),
    ("cannot check this signature: {error}", _("cannot check this signature: %(error)s"), {}),
    ("the signer {subject} does not chain to a trusted certificate",
     _("the signer %(subject)s does not chain to a trusted certificate"), {}),
    ("{subject} was not valid at signing time {moment}",
     _("%(subject)s was not valid at the signing time %(moment)s"), {"moment": format_moment}),
    ("the signer's name does not contain “{expected}”",
     _("the signer's name does not contain “%(expected)s”"), {"expected": _phrase}),
    # the file itself
    ("not an X.509 certificate: {error}", _("not an X.509 certificate: %(error)s"), {}),
    ("the file is empty", _("the file is empty"), {}),
    ("not DER-encoded CMS: {error}", _("not DER-encoded CMS: %(error)s"), {}),
    ("the file holds CMS content {content}, not SignedData",
     _("the file holds CMS content %(content)s, not SignedData"), {}),
    ("damaged SignedData: {error}", _("damaged SignedData: %(error)s"), {}),
    ("the SignedData carries no content (detached signature)",
     _("the SignedData carry no content (detached signature)"), {}),
    ("the SignedData has no signer", _("the SignedData have no signer"), {}),
    ("the card data is not DER: {error}", _("the card data are not DER: %(error)s"), {}),
    ("the card data is not a SEQUENCE (class {cls}, tag {tag})",
     _("the card data are not a SEQUENCE (class %(cls)s, tag %(tag)s)"), {}),
    # notes on the fields
    ("no version number: fields read from the first element",
     _("no version number: fields read from the first element"), {}),
    ("{field}: unexpected element (class {cls}, tag {tag})",
     _("%(field)s: unexpected element (class %(cls)s, tag %(tag)s)"), {"field": field_label}),
    ("extra element after the known fields (class {cls}, tag {tag}, {size} bytes)",
     _("extra element after the known fields (class %(cls)s, tag %(tag)s, %(size)s bytes)"), {}),
    ("{field}: missing", _("%(field)s: missing"), {"field": field_label}),
]


def _pattern(sentence: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", sentence)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
                    for i, part in enumerate(parts))
    return re.compile(f"^{regex}$")


_KNOWN = [(_pattern(sentence), text, shown) for sentence, text, shown in _SENTENCES]


def chip_sentence(message: str) -> str:
    """One sentence of the codec in the active language (as stored when unknown)."""
    for pattern, text, shown in _KNOWN:
        match = pattern.match(message)
        if match:
            values = {name: shown.get(name, str)(value)
                      for name, value in match.groupdict().items()}
            return str(text) % values if values else str(text)
    return message
