"""Row-level lists for large exports, run in the background (see reports.services)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from django.db.models import QuerySet, TextChoices
from django.utils.translation import gettext_lazy as _

from cards.models import Card, CardState
from warranty.models import Case, CaseKind, CaseState, ExtensionError

from .filters import ReportFilters
from .tables import Column

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    columns: list[Column]
    queryset: Callable[[ReportFilters], QuerySet]  # a values_list in column order
    # Columns holding a choice's value, by position: written out as its label ("usterka").
    # Card kinds stay ELS/ELD/ELN, the abbreviations offices use.
    choices: Mapping[int, type[TextChoices]] = field(default_factory=dict)

    @property
    def header(self) -> list[str]:
        return [str(column.label) for column in self.columns]

    def labelled(self, rows: Iterable[tuple]) -> Iterator[tuple]:
        """The rows with choice values in words, in the current language."""
        labels = {index: {value: str(label) for value, label in choices.choices}
                  for index, choices in self.choices.items()}
        for row in rows:
            yield tuple(labels[i].get(value, value) if i in labels else value
                        for i, value in enumerate(row))


def card_rows(filters: ReportFilters) -> QuerySet:
    return (Card.objects.filter(filters.cards(), filters.within_dates("issued_on"))
            .order_by("pk")
            .values_list("number", "kind", "state", "serving_unit__code", "issued_on",
                         "valid_until", "hologram_count", "blank_batch", "blank_supplier"))


def case_rows(filters: ReportFilters) -> QuerySet:
    return (Case.objects.filter(filters.cases(), filters.within("created_at"))
            .order_by("pk")
            .values_list("number", "kind", "state", "card__kind", "unit__code", "card__number",
                         "extension_error", "created_at", "state_changed_at"))


DATASETS: dict[str, Dataset] = {
    "cases": Dataset(
        slug="cases", title=_("Case list"),
        description=_("Every case opened in the date range, one row per case (no personal "
                      "data)."),
        columns=[Column("number", _("Case number")), Column("kind", _("Case kind")),
                 Column("state", _("State")), Column("card_kind", _("Card kind")),
                 Column("unit", _("Unit")), Column("card", _("Card number")),
                 Column("extension_error", _("Extension error")),
                 Column("opened_at", _("Opened at")),
                 Column("state_changed_at", _("State changed at"))],
        queryset=case_rows,
        choices={1: CaseKind, 2: CaseState, 6: ExtensionError},
    ),
    "cards": Dataset(
        slug="cards", title=_("Card list"),
        description=_("Every card issued in the date range, one row per card (no personal data)."),
        columns=[Column("number", _("Card number")), Column("kind", _("Card kind")),
                 Column("state", _("State")), Column("unit", _("Unit")),
                 Column("issued_on", _("Issued on")), Column("valid_until", _("Valid until")),
                 Column("holograms", _("Holograms"), numeric=True),
                 Column("blank_batch", _("Blank batch")),
                 Column("blank_supplier", _("Blank supplier"))],
        queryset=card_rows,
        choices={2: CardState},
    ),
}
