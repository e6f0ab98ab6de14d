"""A read's diagnosis detail in the reader's language, at display.

The detail is stored as processing wrote it, in English (`diagnosis._step_detail`, the
codec's problems joined by "; ", the comparison with the records). Each part is
recognised here and shown in the active language; a part it does not know is shown as
stored.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from cards.chip_text import chip_sentence, field_label, format_date, format_moment

from .diagnosis import REMEDIES, STATUS_WORDS
from .models import ReadOutcome

_PARSE_ERROR = re.compile(r"^EF\.ELS (?P<code>\w+): (?P<message>.+)$")
_STEP = re.compile(r"^(?P<outcome>[a-z_]+)(?: at (?P<step>[a-z_]+))?"
                   r"(?: SW (?P<sw>[0-9A-F]{4})(?: \(.+\))?)?$")
_OTHER_CARD = re.compile(r"^requested card #(?P<requested>\d+), read card #(?P<read>\d+)$")


def _comparison(part: str) -> str | None:
    return {
        "PESEL on the chip differs from the holder's":
            _("PESEL on the chip differs from the holder's"),
        "album number on the chip differs from the holder's":
            _("album number on the chip differs from the holder's"),
    }.get(part)


def _step(match: re.Match) -> str | None:
    if match["outcome"] not in ReadOutcome.values:
        return None
    text = str(ReadOutcome(match["outcome"]).label)
    if match["step"]:
        text = _("%(outcome)s at step %(step)s") % {"outcome": text, "step": match["step"]}
    if match["sw"]:
        meaning = STATUS_WORDS.get(match["sw"])
        text += f", SW {match['sw']}" + (f" ({meaning})" if meaning else "")
    return text


def _part(part: str) -> str:
    if match := _PARSE_ERROR.match(part):
        return f"EF.ELS {match['code']}: {chip_sentence(match['message'])}"
    if match := _OTHER_CARD.match(part):
        return _("requested card #%(requested)s, read card #%(read)s") % match.groupdict()
    if match := _STEP.match(part):
        return _step(match) or part
    return _comparison(part) or chip_sentence(part)


def detail_for_display(detail: str) -> str:
    """The stored diagnosis detail, part by part, in the active language."""
    if not detail:
        return ""
    return "; ".join(_part(part) for part in detail.split("; "))


_CHIP_FIELDS = ("chip_serial", "university", "surnames", "given_names", "album_number",
                "album_series", "pesel", "valid_until", "version")
_SIGNATURE_FIELDS = ("digest_algorithm", "signature_algorithm", "signing_time", "content_oid")
_SIGNER_FIELDS = ("subject", "issuer", "serial_number", "not_before", "not_after", "sha256")


def _shown(name: str, value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if name == "valid_until" and value:
        return format_date(value)
    if name in ("signing_time", "not_before", "not_after") and value:
        return format_moment(value)
    return "—" if value in (None, "") else str(value)


def _rows(values: dict, names: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(field_label(name), _shown(name, values.get(name))) for name in names]


def read_details(read: Any) -> dict:
    """What a read's page shows: the diagnosis, the chip's fields, the signature and its
    signer, and the checklist's problems, all labelled in the active language (the PESEL
    is stored masked)."""
    result = read.result or {}
    chip = result.get("chip") or {}
    data = chip.get("data") or {}
    error = result.get("error")
    return {
        "read": read,
        "diagnosis": read.get_diagnosis_display(),
        "remedy": str(REMEDIES[read.diagnosis]) if read.diagnosis in REMEDIES else "",
        "detail": detail_for_display(read.diagnosis_detail),
        "chip_fields": _rows(data, _CHIP_FIELDS) if data else [],
        "notes": [chip_sentence(note) for note in data.get("notes", [])],
        "signature": _rows(chip, _SIGNATURE_FIELDS) if chip else [],
        "signer": _rows(chip["signer"], _SIGNER_FIELDS) if chip.get("signer") else [],
        "problems": [chip_sentence(problem.get("message", "")) for problem in
                     result.get("problems", [])],
        "error": (f"EF.ELS {error.get('code')}: {chip_sentence(error.get('message', ''))}"
                  if error else ""),
    }
