"""The card rules of the university's procedure, each written once.

Every function answers "why not?": a translated reason, or None when the rule allows
the step. `cards.services.card_act` asks them before each transition, and the pages
and API ask them to show which actions are possible right now.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import chip, holograms
from .grammar import for_holder, holder_sex
from .models import (
    STATUS_KEEPING_STATUSES,
    Card,
    CardKind,
    EnrolmentStatus,
    Holder,
    Hologram,
    InvalidationGround,
    Level,
    ReplacementReason,
    Semester,
)
from .models import CardState as S
from .signing import certificate_for

# Boxes for hologram stickers on the reverse of the blank. ELN blanks set no limit.
HOLOGRAM_BOXES = {CardKind.ELS: 12, CardKind.ELD: 5}

STUDENT_LEVELS = (Level.FIRST_CYCLE, Level.SECOND_CYCLE, Level.UNIFORM_MASTER)
MASTER_LEVELS = (Level.SECOND_CYCLE, Level.UNIFORM_MASTER)

# A contactless chip's UID: 4, 7 or 10 bytes in hex (some readers report 5 to 9).
CHIP_SERIAL = re.compile(r"(?:[0-9A-F]{2}){4,10}")

# The error texts USOS shows; staff recognise them, so they stay in Polish verbatim.
NO_SIGNING_CERTIFICATE = "Nie znaleziono certyfikatu do podpisu"
NOT_SETTLED = {"M": "{name} nie jest rozliczony", "F": "{name} nie jest rozliczona",
               None: "{name} nie jest rozliczony/rozliczona"}


def _levels_for(kind: str) -> tuple[str, ...]:
    return (Level.DOCTORAL,) if kind == CardKind.ELD else STUDENT_LEVELS


def not_settled(holder: Holder) -> str:
    """USOS's "… nie jest rozliczony", agreeing with the holder: the sex is in the PESEL;
    without one, both forms, as the procedure writes it."""
    return NOT_SETTLED[holder_sex(holder)].format(name=holder.full_name)


def settlement_problem(holder: Holder, kind: str, semester: Semester, today: dt.date) -> str | None:
    """Why the holder is not settled ("rozliczony") for an extension, or None."""
    name = not_settled(holder)
    if kind == CardKind.ELN:
        if any(job.is_current(today) for job in holder.employments.all()):
            return None
        return f"{name}: " + _("no current employment.")
    levels = _levels_for(kind)
    active = [
        e for e in holder.enrolments.all()
        if e.level in levels and e.status == EnrolmentStatus.ACTIVE
    ]
    if not active:
        return f"{name}: " + _("not registered on any active programme.")
    in_cycle = [e for e in active if e.cycle_code == semester.cycle_code]
    if not in_cycle:
        return f"{name}: " + _(
            "not registered on the current stage and cycle (%(cycle)s), or the wrong "
            "programme was chosen."
        ) % {"cycle": semester.cycle_code}
    if not any(e.next_completion_date and e.next_completion_date >= today for e in in_cycle):
        return f"{name}: " + _(
            "the next completion date in the person's programme is missing or in the past."
        )
    return None


def extension_target(today: dt.date) -> Semester | None:
    return Semester.current(today)


def extension_refusal(card: Card, today: dt.date, now: dt.datetime | None = None) -> str | None:
    """Why the card cannot be extended now, or None."""
    if card.state != S.ACTIVE:
        return _("Only an active card can be extended (this one is: %(state)s).") % {
            "state": card.get_state_display()
        }
    boxes = HOLOGRAM_BOXES.get(card.kind)
    if boxes is not None and card.hologram_count >= boxes:
        return _(
            "All %(boxes)d hologram boxes on this card are used: the holder needs a new card."
        ) % {"boxes": boxes}
    moment = now or timezone.now()
    if certificate_for(card, moment) is None:
        return NO_SIGNING_CERTIFICATE + " — " + _(
            "no usable certificate signs %(kind)s cards of %(unit)s. Contact the USOS office."
        ) % {"kind": card.kind, "unit": card.serving_unit.name}
    semester = extension_target(today)
    if semester is None:
        return _("No semester in the calendar covers today; an administrator must add it.")
    if card.valid_until and card.valid_until >= semester.card_valid_until:
        return _("The card is already valid until %(date)s.") % {
            "date": date_format(card.valid_until, "SHORT_DATE_FORMAT")}
    return settlement_problem(card.holder, card.kind, semester, today)


def written_file_refusal(card: Card, written_file: bytes, semester: Semester) -> str | None:
    """The chip file an extension wrote must carry this card's chip serial and the
    semester's date (its signature and byte-for-byte read-back are checked before, by the
    reader bridge against the trusted certificates)."""
    try:
        data = chip.parse_els_file(written_file).data
    except chip.ChipFileError as exc:
        return _("The written chip file cannot be read: %(error)s") % {"error": exc.message}
    if chip.normalise_serial(data.chip_serial) != chip.normalise_serial(card.chip_serial):
        return _("The written chip file belongs to another chip (%(serial)s).") % {
            "serial": data.chip_serial}
    if data.valid_until != semester.card_valid_until:
        return _("The written chip file is valid until %(written)s, not %(expected)s.") % {
            "written": data.valid_until, "expected": semester.card_valid_until}
    return None


def _student_status_elsewhere(holder: Holder, levels: tuple[str, ...]) -> str | None:
    keeping = [
        e for e in holder.enrolments.all()
        if e.level in levels and e.status in STATUS_KEEPING_STATUSES
    ]
    if keeping:
        return for_holder(
            holder,
            female=pgettext("female holder", "%(name)s still has student status on "
                                             "%(programme)s."),
            male=pgettext("male holder", "%(name)s still has student status on %(programme)s."),
        ) % {"name": holder.full_name,
             "programme": ", ".join(e.programme_name for e in keeping)}
    return None


def _removed_from_list(holder: Holder, today: dt.date) -> str | None:
    removed = any(
        e.level in STUDENT_LEVELS and e.status == EnrolmentStatus.REMOVED
        for e in holder.enrolments.all()
    )
    if not removed:
        return _("no final removal from the list of students is recorded.")
    # Removal from one programme while studying another is not removal from the list.
    return _student_status_elsewhere(holder, STUDENT_LEVELS)


def _completed_masters(holder: Holder, today: dt.date) -> str | None:
    completed = any(
        e.level in MASTER_LEVELS and e.status == EnrolmentStatus.GRADUATED
        for e in holder.enrolments.all()
    )
    if not completed:
        return _("no completed second-cycle or uniform master's studies are recorded.")
    return _student_status_elsewhere(holder, STUDENT_LEVELS)


def _doctoral_ended(holder: Holder, today: dt.date) -> str | None:
    doctoral = [e for e in holder.enrolments.all() if e.level == Level.DOCTORAL]
    if not any(e.status in (EnrolmentStatus.GRADUATED, EnrolmentStatus.REMOVED) for e in doctoral):
        return _("no completed or ended doctoral education is recorded.")
    return _student_status_elsewhere(holder, (Level.DOCTORAL,))


def _employment_ended(holder: Holder, today: dt.date) -> str | None:
    jobs = list(holder.employments.all())
    if not jobs:
        return _("no employment is recorded.")
    if any(job.is_current(today) for job in jobs):
        return for_holder(
            holder, female=pgettext("female holder", "%(name)s is still employed."),
            male=pgettext("male holder", "%(name)s is still employed."),
        ) % {"name": holder.full_name}
    return None


GROUNDS: Mapping[str, tuple[str, Callable[[Holder, dt.date], str | None]]] = {
    InvalidationGround.REMOVED_FROM_LIST: (CardKind.ELS, _removed_from_list),
    InvalidationGround.COMPLETED_MASTERS: (CardKind.ELS, _completed_masters),
    InvalidationGround.DOCTORAL_ENDED: (CardKind.ELD, _doctoral_ended),
    InvalidationGround.EMPLOYMENT_ENDED: (CardKind.ELN, _employment_ended),
}


def grounds_for_kind(kind: str) -> list[str]:
    return [ground for ground, (ground_kind, _check) in GROUNDS.items() if ground_kind == kind]


def invalidation_refusal(card: Card, ground: str, today: dt.date) -> str | None:
    """Why the card may not be invalidated on `ground`, or None."""
    entry = GROUNDS.get(ground)
    if entry is None or entry[0] != card.kind:
        allowed = ", ".join(str(InvalidationGround(g).label) for g in grounds_for_kind(card.kind))
        return _("A %(kind)s card can be invalidated only on: %(allowed)s.") % {
            "kind": card.kind, "allowed": allowed,
        }
    problem = entry[1](card.holder, today)
    if problem:
        return _("Invalidation refused (%(ground)s): %(problem)s") % {
            "ground": InvalidationGround(ground).label, "problem": problem,
        }
    return None


def any_invalidation_refusal(card: Card, today: dt.date) -> str | None:
    """None if at least one permitted ground holds; otherwise the reasons of all of them."""
    reasons = []
    for ground in grounds_for_kind(card.kind):
        reason = invalidation_refusal(card, ground, today)
        if reason is None:
            return None
        reasons.append(reason)
    return " ".join(reasons)


def hologram_refusal(number: str) -> str | None:
    """Why hologram `number` cannot be stuck on a card: not this university's format, or
    already on a card (named, so staff can check which sticker went where)."""
    problem = holograms.number_format_problem(number)
    if problem:
        return problem
    taken = Hologram.objects.filter(number=number).select_related("card").first()
    if taken:
        return hologram_taken(number, taken.card)
    return None


def hologram_taken(number: str, card: Card) -> str:
    return _("Hologram %(number)s is already on card %(card)s.") % {
        "number": number, "card": card}


def replacement_refusal(card: Card, reason: str) -> str | None:
    """A free warranty exchange needs the card assessed by SSOS; anything else is a duplicate."""
    if reason not in ReplacementReason.values:
        return _("Unknown replacement reason.")
    if reason == ReplacementReason.WARRANTY and card.state != S.WITH_SSOS:
        return _(
            "A free warranty exchange needs the card handed in to SSOS and assessed there; "
            "a damaged or lost card needs a paid duplicate."
        )
    return None


def action_refusal(
    card: Card, action: str, params: Mapping[str, Any], today: dt.date
) -> str | None:
    """The domain rule behind `action`, applied to the parameters given (if any)."""
    if action == "extend":
        return extension_refusal(card, today)
    if action == "decide_invalidation":
        ground = params.get("ground")
        if ground is None:
            return any_invalidation_refusal(card, today)
        return invalidation_refusal(card, ground, today)
    if action == "confirm_hologram" and "hologram_number" in params:
        return hologram_refusal(params["hologram_number"])
    if action == "replace" and "replacement_reason" in params:
        return replacement_refusal(card, params["replacement_reason"])
    return None


def chip_serial_refusal(serial: str) -> str | None:
    """A chip serial (already normalised: upper case, no separators) as a reader reports it."""
    if CHIP_SERIAL.fullmatch(serial):
        return None
    return _("“%(serial)s” is not a chip serial number: it is the hexadecimal number the "
             "reader shows (8 to 20 digits 0–9 and A–F, e.g. 04A1B2C3D4E5F6).") % {
        "serial": serial}
