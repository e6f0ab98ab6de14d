"""Row-level lists for large exports, run in the background (see reports.services)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cards.models import Card
from warranty.models import Case

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

    @property
    def header(self) -> list[str]:
        return [str(column.label) for column in self.columns]


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
    ),
}
