"""From what a read saw to a diagnosis and the procedure's remedy (RULES.md, error 2).

`diagnose` is a pure function: the processing service gathers the facts, this module
decides. The remedy texts are the procedure's own steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cards import chip

from .models import Diagnosis, ReadOutcome

REMEDIES = {
    Diagnosis.OK: _("Nothing to do: the chip data are genuine and match the records."),
    Diagnosis.READER_TO_COMPUTER: _(
        "Communication between the reader and the computer failed: unplug the reader and "
        "plug it in again, then read the card again."),
    Diagnosis.NO_CARD: _("No card was in the reader: insert the card, chip first, and read "
                         "it again."),
    Diagnosis.CARD_TO_READER: _(
        "Communication between the reader and the card failed: look at the chip (dirty, "
        "worn, or damaged; cracks show best on the reverse). Wipe a dirty chip with a damp "
        "cloth and read the card again."),
    Diagnosis.CARD_TO_READER_AGAIN: _(
        "The card failed to load a second time: the holder must visit the USOS office. Only "
        "a non-working card in good physical condition is exchanged free; a dirty or damaged "
        "(broken, bent, cracked) card needs a paid duplicate."),
    Diagnosis.EXPIRED: _("The card works but its validity has expired: extend it."),
    Diagnosis.INVALID_SIGNATURE: _(
        "The chip data do not carry a valid signature of an authorised issuer: possible "
        "forgery. Keep the card and report it to SSOS."),
    Diagnosis.UNKNOWN_ISSUER: _(
        "The chip data were signed by a certificate this system does not trust: possible "
        "forgery, or the issuing certificate is missing from the trusted certificates. "
        "Report it to SSOS."),
    Diagnosis.UNKNOWN_CARD: _(
        "The card is not in the system: check whether it was issued by another university "
        "or not imported yet."),
    Diagnosis.DATA_MISMATCH: _(
        "The chip data differ from the holder's records: check the holder's data; a card "
        "with wrong data is exchanged (free if the university made the mistake)."),
}

# Diagnoses that tell staff to report a suspected forgery (`forgery.forgery_report`).
FORGERY_DIAGNOSES = frozenset({Diagnosis.INVALID_SIGNATURE, Diagnosis.UNKNOWN_ISSUER})

# Outcomes where the reader itself or its link to the computer failed.
_READER_OUTCOMES = {ReadOutcome.NO_READER}
_READER_STEPS = {"connect", "establish_context", "list_readers"}
_CARD_OUTCOMES = {ReadOutcome.NO_ATR, ReadOutcome.APDU_ERROR, ReadOutcome.TIMEOUT,
                  ReadOutcome.REMOVED}
# Stored in English (`_step_detail`), shown in the reader's language (`read_text`).
STATUS_WORDS = {
    "6A82": _("application or file not found: not an ELS, another card type, an "
              "unpersonalised or corrupted chip"),
    "6A86": _("wrong parameters P1-P2"), "6B00": _("offset past the end of the file"),
    "6982": _("security status not satisfied"), "6700": _("wrong length"),
}


@dataclass(frozen=True)
class Facts:
    outcome: str
    failed_step: str = ""
    status_word: str = ""
    parse_error: chip.ChipFileError | None = None
    problems: Sequence[chip.ChipProblem] = ()
    card_known: bool = False
    mismatches: Sequence[str] = ()
    earlier_card_failure: bool = False


def diagnose(facts: Facts) -> tuple[Diagnosis, str]:
    """The diagnosis and a technical detail line for staff."""
    if facts.outcome in _READER_OUTCOMES or (
        facts.outcome != ReadOutcome.OK and facts.failed_step in _READER_STEPS
        and facts.outcome not in _CARD_OUTCOMES
    ):
        return Diagnosis.READER_TO_COMPUTER, _step_detail(facts)
    if facts.outcome == ReadOutcome.NO_CARD:
        return Diagnosis.NO_CARD, ""
    if facts.outcome != ReadOutcome.OK or facts.parse_error is not None:
        detail = _step_detail(facts)
        if facts.parse_error is not None:
            detail = f"EF.ELS {facts.parse_error.code}: {facts.parse_error.message}"
        if facts.earlier_card_failure:
            return Diagnosis.CARD_TO_READER_AGAIN, detail
        return Diagnosis.CARD_TO_READER, detail
    codes = {problem.code for problem in facts.problems}
    detail = "; ".join(problem.message for problem in facts.problems)
    if codes & (chip.FORGERY_CODES - {chip.UNKNOWN_ISSUER}):
        return Diagnosis.INVALID_SIGNATURE, detail
    if chip.UNKNOWN_ISSUER in codes:
        return Diagnosis.UNKNOWN_ISSUER, detail
    if not facts.card_known:
        return Diagnosis.UNKNOWN_CARD, detail
    if facts.mismatches or codes & {chip.INVALID_PESEL, chip.MISSING_FIELD}:
        return Diagnosis.DATA_MISMATCH, "; ".join([*facts.mismatches, detail]).strip("; ")
    if chip.EXPIRED in codes:
        return Diagnosis.EXPIRED, detail
    return Diagnosis.OK, ""


def _step_detail(facts: Facts) -> str:
    parts = [facts.outcome]
    if facts.failed_step:
        parts.append(f"at {facts.failed_step}")
    if facts.status_word:
        status = facts.status_word.upper()
        with translation.override(None):  # the stored detail stays in English
            meaning = f" ({STATUS_WORDS[status]})" if status in STATUS_WORDS else ""
        parts.append(f"SW {status}{meaning}")
    return " ".join(parts)


def is_card_failure(diagnosis: str) -> bool:
    return diagnosis in (Diagnosis.CARD_TO_READER, Diagnosis.CARD_TO_READER_AGAIN)
