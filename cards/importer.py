"""Import units, holders, programmes, employments and cards from a USOS-style CSV export.

One row is one person in one unit, optionally with one programme (enrolment), one
employment and one card. Each row runs in its own savepoint: a bad row is reported with
its line number and reason and changes nothing, good rows are kept. Running the same
file twice changes nothing the second time. Cards are created through
`cards.services.card_issue`; an existing card's state is never changed here — a
difference is reported as a mismatch. The column reference is `docs/import.md`.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from .errors import CardActionError
from .models import (
    Card,
    CardKind,
    CardState,
    Employment,
    Enrolment,
    EnrolmentStatus,
    EventSource,
    Holder,
    Level,
    Unit,
)
from .pesel import mask_pesel, pesel_digest
from .services import card_issue

REQUIRED_COLUMNS = ("unit_code", "first_name", "last_name")
IDENTIFIER_COLUMNS = ("album_number", "employee_number", "pesel")
HOLDER_COLUMNS = ("first_name", "last_name", "pesel", "album_number", "employee_number", "email")
KNOWN_COLUMNS = frozenset({
    *REQUIRED_COLUMNS, *HOLDER_COLUMNS, "unit_name",
    "programme_code", "programme_name", "level", "stage", "cycle_code", "enrolment_status",
    "next_completion_date",
    "position", "employment_started_on", "employment_ended_on",
    "card_kind", "card_number", "chip_serial", "card_issued_on", "card_valid_until",
    "blank_batch", "blank_supplier", "card_state",
})
CHUNK_SIZE = 500

# Words seen in USOS exports and typed by staff, lower-case, mapped to the model values.
LEVEL_WORDS = {
    "first_cycle": Level.FIRST_CYCLE, "i stopnia": Level.FIRST_CYCLE,
    "pierwszego stopnia": Level.FIRST_CYCLE, "studia pierwszego stopnia": Level.FIRST_CYCLE,
    "licencjackie": Level.FIRST_CYCLE, "inżynierskie": Level.FIRST_CYCLE,
    "second_cycle": Level.SECOND_CYCLE, "ii stopnia": Level.SECOND_CYCLE,
    "drugiego stopnia": Level.SECOND_CYCLE, "studia drugiego stopnia": Level.SECOND_CYCLE,
    "magisterskie": Level.SECOND_CYCLE, "uniform_master": Level.UNIFORM_MASTER,
    "jednolite magisterskie": Level.UNIFORM_MASTER,
    "jednolite studia magisterskie": Level.UNIFORM_MASTER,
    "doctoral": Level.DOCTORAL, "doktoranckie": Level.DOCTORAL,
    "szkoła doktorska": Level.DOCTORAL, "kształcenie doktorantów": Level.DOCTORAL,
}
STATUS_WORDS = {
    "active": EnrolmentStatus.ACTIVE, "aktywny": EnrolmentStatus.ACTIVE,
    "aktywne": EnrolmentStatus.ACTIVE, "student": EnrolmentStatus.ACTIVE,
    "suspended": EnrolmentStatus.SUSPENDED, "zawieszony": EnrolmentStatus.SUSPENDED,
    "urlop": EnrolmentStatus.SUSPENDED,
    "removed": EnrolmentStatus.REMOVED, "skreślony": EnrolmentStatus.REMOVED,
    "skreślenie": EnrolmentStatus.REMOVED,
    "graduated": EnrolmentStatus.GRADUATED, "ukończony": EnrolmentStatus.GRADUATED,
    "ukończone": EnrolmentStatus.GRADUATED, "absolwent": EnrolmentStatus.GRADUATED,
    "dyplomowany": EnrolmentStatus.GRADUATED,
}
POLISH_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
ENTITIES = ("unit", "holder", "enrolment", "employment", "card")


class HeaderError(Exception):
    """The file cannot be imported at all (nothing was written)."""


class RowError(Exception):
    """This row cannot be imported; the message says why."""


@dataclass
class ImportReport:
    rows: int = 0
    counts: Counter = field(default_factory=Counter)  # (entity, outcome) -> n
    errors: list[tuple[int, str]] = field(default_factory=list)
    mismatches: list[tuple[int, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False

    def count(self, entity: str, outcome: str) -> int:
        return self.counts[entity, outcome]

    @property
    def failed(self) -> bool:
        return bool(self.errors)


Row = dict[str, str]


def normalise_header(cells: list[str]) -> list[str]:
    return [re.sub(r"[\s-]+", "_", cell.strip("\ufeff \t").lower()) for cell in cells]


def check_header(columns: list[str]) -> list[str]:
    """Raise HeaderError if the file cannot be imported; return the ignored columns."""
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicated:
        raise HeaderError(
            _("Duplicated columns: %(columns)s.") % {"columns": ", ".join(duplicated)})
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if not any(c in columns for c in IDENTIFIER_COLUMNS):
        missing.append(" / ".join(IDENTIFIER_COLUMNS))
    if missing:
        raise HeaderError(
            _("Required columns are missing: %(columns)s. Nothing was imported.")
            % {"columns": ", ".join(missing)}
        )
    return [c for c in columns if c not in KNOWN_COLUMNS]


def read_rows(lines: Iterable[str], delimiter: str | None) -> tuple[list[str], Iterator]:
    """The normalised header and an iterator of (line number, row dict)."""
    lines = iter(lines)
    first = next(lines, "")
    if not first.strip():
        raise HeaderError(_("The file is empty."))
    if delimiter is None:
        delimiter = max(",;\t|", key=first.count)
    header = normalise_header(next(csv.reader([first], delimiter=delimiter)))
    reader = csv.reader(lines, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, Row | str]]:
        for cells in reader:
            line = reader.line_num + 1  # the header line was read before the reader
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                yield line, _("The row has %(cells)d cells, the header has %(columns)d.") % {
                    "cells": len(cells), "columns": len(header)}
                continue
            yield line, {col: cell.strip() for col, cell in zip(header, cells, strict=True)}

    return header, rows()


# --- parsing cells -------------------------------------------------------------------

def parse_date(row: Row, column: str) -> dt.date | None:
    raw = row.get(column, "")
    if not raw:
        return None
    try:
        match = POLISH_DATE.match(raw)
        if match:
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise RowError(_("%(column)s: “%(value)s” is not a date (use YYYY-MM-DD or "
                         "DD.MM.YYYY).") % {"column": column, "value": raw}) from None


def parse_choice(row: Row, column: str, words: dict[str, str], allowed: Iterable[str]) -> str:
    raw = row.get(column, "")
    value = words.get(raw.lower())
    if value is None:
        raise RowError(_("%(column)s: unknown value “%(value)s” (allowed: %(allowed)s).") % {
            "column": column, "value": raw, "allowed": ", ".join(allowed)})
    return value


def clean_field(model: type[models.Model], name: str, value: Any, column: str) -> Any:
    """Validate one value with the model field's own validators (PESEL, e-mail, length)."""
    try:
        return model._meta.get_field(name).clean(value, None)
    except ValidationError as exc:
        raise RowError(f"{column}: {' '.join(exc.messages)}") from None


def check_identifiers(holder: Holder, values: dict[str, Any]) -> None:
    """An identifier the register has is never overwritten by a different one: that is
    almost always two people mixed up in the export, not a correction."""
    for col in IDENTIFIER_COLUMNS:
        current = getattr(holder, col)
        if current and col in values and values[col] != current:
            shown = mask_pesel if col == "pesel" else str
            raise RowError(_("%(column)s: %(holder)s has %(current)s in the register, the file "
                             "says %(value)s.") % {"column": col, "holder": holder.full_name,
                                                   "current": shown(current),
                                                   "value": shown(values[col])})


def apply_changes(obj: models.Model, values: dict[str, Any]) -> str:
    """Set the values that differ and save only those; return the outcome."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return UNCHANGED
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=changed)
    return UPDATED


# --- lookups, fetched once per chunk of rows -----------------------------------------

class Lookups:
    """Existing rows that a chunk of the file refers to, kept current as rows import."""

    def __init__(self, rows: list[Row]) -> None:
        keys = {col: {r[col] for r in rows if r.get(col)} for col in IDENTIFIER_COLUMNS}
        query = Q(pk__in=[])
        keys["pesel_hash"] = {pesel_digest(value) for value in keys.pop("pesel")}
        for col, values in keys.items():
            if values:
                query |= Q(**{f"{col}__in": values})
        self.holders: dict[str, dict[str, Holder]] = {col: {} for col in IDENTIFIER_COLUMNS}
        for holder in Holder.objects.filter(query):
            self.add_holder(holder)
        holder_ids = {h.pk for by_col in self.holders.values() for h in by_col.values()}
        self.enrolments = {(e.holder_id, e.programme_code): e
                           for e in Enrolment.objects.filter(holder_id__in=holder_ids)}
        self.employments = {(e.holder_id, e.unit_id, e.position, e.started_on): e
                            for e in Employment.objects.filter(holder_id__in=holder_ids)}
        numbers = {r["card_number"] for r in rows if r.get("card_number")}
        self.cards = {c.number: c for c in Card.objects.filter(number__in=numbers)
                      .select_related("holder", "serving_unit")}

    def add_holder(self, holder: Holder) -> None:
        for col in IDENTIFIER_COLUMNS:
            value = getattr(holder, col)
            if value:
                self.holders[col][value] = holder

    def find_holder(self, row: Row) -> Holder | None:
        found = {col: self.holders[col].get(row[col]) for col in IDENTIFIER_COLUMNS
                 if row.get(col)}
        distinct = {h.pk: h for h in found.values() if h is not None}
        if len(distinct) > 1:
            raise RowError(_("The identifiers in this row belong to different holders: "
                             "%(holders)s.") % {"holders": "; ".join(
                                 f"{col} → {h.full_name}" for col, h in found.items() if h)})
        return next(iter(distinct.values()), None)


# --- one row -------------------------------------------------------------------------

class RowImporter:
    def __init__(self, columns: list[str], report: ImportReport) -> None:
        self.columns = set(columns)
        self.report = report
        self.reload_units()

    def reload_units(self) -> None:
        self.units = {unit.code: unit for unit in Unit.objects.all()}

    def run(self, line: int, row: Row, lookups: Lookups) -> list[tuple[str, str]]:
        """Import the row; return the (entity, outcome) pairs and record mismatches."""
        self.line = line
        outcomes = []
        unit, outcome = self.unit(row)
        outcomes.append(("unit", outcome))
        holder, outcome = self.holder(row, lookups)
        outcomes.append(("holder", outcome))
        if row.get("programme_code"):
            outcomes.append(("enrolment", self.enrolment(row, holder, unit, lookups)))
        if row.get("position"):
            outcomes.append(("employment", self.employment(row, holder, unit, lookups)))
        if row.get("card_number"):
            outcomes.append(("card", self.card(row, holder, unit, lookups)))
        return outcomes

    def unit(self, row: Row) -> tuple[Unit, str]:
        code = clean_field(Unit, "code", row["unit_code"], "unit_code")
        name = row.get("unit_name", "")
        unit = self.units.get(code)
        if unit is None:
            if not name:
                raise RowError(_("unit_code: unknown unit “%(code)s”; give unit_name to create "
                                 "it.") % {"code": code})
            unit = Unit.objects.create(code=code, name=clean_field(Unit, "name", name, "unit_name"))
            self.units[code] = unit
            return unit, CREATED
        if not name:
            return unit, UNCHANGED
        return unit, apply_changes(unit, {"name": clean_field(Unit, "name", name, "unit_name")})

    def holder(self, row: Row, lookups: Lookups) -> tuple[Holder, str]:
        if not any(row.get(col) for col in IDENTIFIER_COLUMNS):
            raise RowError(_("The row needs album_number, employee_number or pesel."))
        # A blank cell leaves the holder's value alone: one person appears in rows of
        # several kinds (a teacher who also studies), each with only some identifiers.
        values = {col: clean_field(Holder, col, row[col], col)
                  for col in HOLDER_COLUMNS if row.get(col)}
        for col in ("first_name", "last_name"):
            if col not in values:
                raise RowError(_("%(column)s is empty.") % {"column": col})
        holder = lookups.find_holder(row)
        if holder is None:
            holder = Holder.objects.create(**values)
            outcome = CREATED
        else:
            check_identifiers(holder, values)
            outcome = apply_changes(holder, values)
        lookups.add_holder(holder)
        return holder, outcome

    def enrolment(self, row: Row, holder: Holder, unit: Unit, lookups: Lookups) -> str:
        code = clean_field(Enrolment, "programme_code", row["programme_code"], "programme_code")
        values: dict[str, Any] = {
            "unit_id": unit.pk,
            "level": parse_choice(row, "level", LEVEL_WORDS, Level.values),
            "status": parse_choice(row, "enrolment_status", STATUS_WORDS, EnrolmentStatus.values),
        }
        # A column present in the file is the truth for the programme, blanks included
        # (a missing next-completion date is exactly what staff must see).
        for col in ("stage", "cycle_code"):
            if col in self.columns:
                values[col] = clean_field(Enrolment, col, row[col], col)
        if "next_completion_date" in self.columns:
            values["next_completion_date"] = parse_date(row, "next_completion_date")
        if row.get("programme_name"):
            values["programme_name"] = clean_field(
                Enrolment, "programme_name", row["programme_name"], "programme_name")
        enrolment = lookups.enrolments.get((holder.pk, code))
        if enrolment is not None:
            return apply_changes(enrolment, values)
        if "programme_name" not in values:
            raise RowError(_("programme_name is empty for the new programme %(code)s.")
                           % {"code": code})
        enrolment = Enrolment.objects.create(holder=holder, programme_code=code, **values)
        lookups.enrolments[holder.pk, code] = enrolment
        return CREATED

    def employment(self, row: Row, holder: Holder, unit: Unit, lookups: Lookups) -> str:
        position = clean_field(Employment, "position", row["position"], "position")
        started_on = parse_date(row, "employment_started_on")
        if started_on is None:
            raise RowError(_("employment_started_on is empty for the position %(position)s.")
                           % {"position": position})
        ended_on = parse_date(row, "employment_ended_on")
        if ended_on and ended_on < started_on:
            raise RowError(_("employment_ended_on is before employment_started_on."))
        key = (holder.pk, unit.pk, position, started_on)
        employment = lookups.employments.get(key)
        if employment is not None:
            return apply_changes(employment, {"ended_on": ended_on})
        lookups.employments[key] = Employment.objects.create(
            holder=holder, unit=unit, position=position, started_on=started_on, ended_on=ended_on)
        return CREATED

    def card(self, row: Row, holder: Holder, unit: Unit, lookups: Lookups) -> str:
        number = clean_field(Card, "number", row["card_number"], "card_number")
        file_state = row.get("card_state", "")
        if file_state and file_state not in CardState.values:
            raise RowError(_("card_state: unknown value “%(value)s”.") % {"value": file_state})
        card = lookups.cards.get(number)
        if card is None:
            card = self.issue_card(row, number, holder, unit)
            lookups.cards[number] = card
            outcome = CREATED
        elif card.holder_id != holder.pk:
            raise RowError(_("card_number %(number)s is already used by another holder "
                             "(%(holder)s).") % {"number": number, "holder": card.holder})
        else:
            self.report_card_mismatches(row, card, unit)
            outcome = apply_changes(card, {
                col: clean_field(Card, col, row[col], col)
                for col in ("blank_batch", "blank_supplier") if row.get(col)})
        if file_state and file_state != card.state:
            self.mismatch(_("card %(number)s is %(state)s here, the file says %(file_state)s; "
                            "the import never changes a card's state — use a card action.") % {
                "number": number, "state": card.state, "file_state": file_state})
        return outcome

    def card_kind(self, row: Row) -> str:
        return parse_choice(row, "card_kind", {k.lower(): k for k in CardKind.values},
                            CardKind.values)

    def issue_card(self, row: Row, number: str, holder: Holder, unit: Unit) -> Card:
        values = {
            "kind": self.card_kind(row),
            "chip_serial": clean_field(Card, "chip_serial", row.get("chip_serial", ""),
                                       "chip_serial"),
            "valid_until": parse_date(row, "card_valid_until"),
            **{col: clean_field(Card, col, row[col], col)
               for col in ("blank_batch", "blank_supplier") if row.get(col)},
        }
        issued_on = parse_date(row, "card_issued_on")
        if issued_on:
            values["issued_on"] = issued_on
        try:
            return card_issue(actor=None, source=EventSource.IMPORT, note=_("Imported."),
                              holder=holder, serving_unit=unit, number=number, **values)
        except CardActionError as exc:
            raise RowError(exc.message) from None

    def report_card_mismatches(self, row: Row, card: Card, unit: Unit) -> None:
        """Compare what the file says with the register; only blanks are not compared."""
        in_file: dict[str, Any] = {"serving_unit": unit}
        if row.get("card_kind"):
            in_file["kind"] = self.card_kind(row)
        if row.get("chip_serial"):
            in_file["chip_serial"] = row["chip_serial"]
        for name, col in (("issued_on", "card_issued_on"), ("valid_until", "card_valid_until")):
            if row.get(col):
                in_file[name] = parse_date(row, col)
        differing = [f"{name}: {getattr(card, name)} ≠ {value}"
                     for name, value in in_file.items() if getattr(card, name) != value]
        if differing:
            self.mismatch(_("card %(number)s differs from the file and was left as it is "
                            "(%(fields)s).") % {"number": card.number,
                                                "fields": "; ".join(differing)})

    def mismatch(self, message: str) -> None:
        self.report.mismatches.append((self.line, message))


# --- the whole file ------------------------------------------------------------------

def chunks(iterator: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(iterator, size)):
        yield chunk


def import_holders(lines: Iterable[str], *, delimiter: str | None = None,
                   dry_run: bool = False, progress: Any = None) -> ImportReport:
    """Import the CSV text in `lines`; `progress(n)` is called after each n rows."""
    header, rows = read_rows(lines, delimiter)
    report = ImportReport(ignored_columns=check_header(header), dry_run=dry_run)
    importer = RowImporter(header, report)
    with transaction.atomic():
        for chunk in chunks(rows, CHUNK_SIZE):
            import_chunk(chunk, importer, report)
            if progress:
                progress(len(chunk))
        if dry_run:
            transaction.set_rollback(True)
    return report


def import_chunk(chunk: list[tuple[int, Row | str]], importer: RowImporter,
                 report: ImportReport) -> None:
    parsed = [(line, row) for line, row in chunk if isinstance(row, dict)]
    lookups = Lookups([row for _line, row in parsed])
    for position, (line, row) in enumerate(chunk):
        report.rows += 1
        if isinstance(row, str):
            report.errors.append((line, row))
            continue
        try:
            with transaction.atomic():
                outcomes = importer.run(line, row, lookups)
        except (RowError, IntegrityError) as exc:
            report.errors.append((line, str(exc)))
            # The savepoint undid the row: forget what it cached and read afresh.
            importer.reload_units()
            lookups = Lookups([r for _line, r in chunk[position + 1:] if isinstance(r, dict)])
            continue
        for entity, outcome in outcomes:
            report.counts[entity, outcome] += 1
