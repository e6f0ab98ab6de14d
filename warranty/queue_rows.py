"""The rows of a queue page, read as values: building a case, its card, holder, unit and
assignee as model instances cost more than reading them (25 rows of five models), and a
list never needs the holder's decrypted PESEL. The query is compiled once per number of
rows (`cards.compiled_queries`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from cards import compiled_queries
from cards.labels import ChoiceLabel

from .models import Case, CaseKind, CaseState

QUEUE_ORDER = ("state_changed_at", "pk")  # oldest waiting first
_COLUMNS = ("pk", "number", "kind", "state", "state_changed_at", "card__number", "unit__code",
            "holder__first_name", "holder__last_name", "holder__album_number",
            "holder__employee_number", "assigned_to_id", "assigned_to__first_name",
            "assigned_to__last_name", "assigned_to__username")


@dataclass(frozen=True, slots=True)
class QueueRow:
    pk: int
    number: str
    kind: str
    state: str
    state_changed_at: dt.datetime
    card_number: str
    unit_code: str
    holder_name: str
    holder_number: str  # the album number, else the employee number
    assigned_to: str  # the full name, else the username; "" for nobody

    kind_label = ChoiceLabel("kind", CaseKind)
    state_label = ChoiceLabel("state", CaseState)


def queue_rows(ids: list[int]) -> list[QueueRow]:
    """The cases with these ids, oldest in their state first, in one query; the names as
    `Holder.full_name` and `User.get_full_name` give them."""
    rows = []
    for (pk, number, kind, state, changed, card, unit, first, last, album, employee,
         assignee, assignee_first, assignee_last, username) in compiled_queries.fetch(
            ("queue_rows", len(ids)), _by_ids, *ids):
        assigned = (f"{assignee_first} {assignee_last}".strip() or username) if assignee else ""
        rows.append(QueueRow(pk, number, kind, state, changed, card, unit, f"{first} {last}",
                             album or employee, assigned))
    return rows


def _by_ids(*ids: int) -> QuerySet:
    return Case.objects.filter(pk__in=ids).order_by(*QUEUE_ORDER).values_list(*_COLUMNS)
