"""The filters every report takes: date range, unit, card kind, within the user's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cards.models import CardKind, Unit

MAX_RANGE_DAYS = 10 * 366


@dataclass(frozen=True)
class ReportFilters:
    """What a report counts. `unit_ids` None means the whole university."""

    date_from: dt.date
    date_to: dt.date
    unit_ids: frozenset[int] | None = None
    kind: str = ""

    @property
    def starts_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.date_from, dt.time.min))

    @property
    def ends_before(self) -> dt.datetime:
        """The first moment after the range (the range includes all of `date_to`)."""
        next_day = self.date_to + dt.timedelta(days=1)
        return timezone.make_aware(dt.datetime.combine(next_day, dt.time.min))

    def within(self, field: str) -> Q:
        """Rows whose date/time `field` falls in the range (index-friendly bounds)."""
        return Q(**{f"{field}__gte": self.starts_at, f"{field}__lt": self.ends_before})

    def within_dates(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.date_from, f"{field}__lte": self.date_to})

    def scope(self, unit_field: str, kind_field: str) -> Q:
        """Rows of the units and card kind asked for, through the named fields."""
        condition = Q()
        if self.unit_ids is not None:
            condition &= Q(**{f"{unit_field}__in": sorted(self.unit_ids)})
        if self.kind:
            condition &= Q(**{kind_field: self.kind})
        return condition

    def cards(self, prefix: str = "") -> Q:
        """Unit and kind conditions on a card reached through `prefix` (e.g. "card__")."""
        return self.scope(f"{prefix}serving_unit_id", f"{prefix}kind")

    def cases(self, prefix: str = "") -> Q:
        """Unit (the case's own copy) and card kind conditions on a case."""
        return self.scope(f"{prefix}unit_id", f"{prefix}card__kind")

    def as_query(self) -> dict[str, str]:
        """The filters as they travel in a URL or an export job."""
        query = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        if self.unit_ids is not None and len(self.unit_ids) == 1:
            query["unit"] = str(next(iter(self.unit_ids)))
        if self.kind:
            query["kind"] = self.kind
        return query

    def as_query_string(self) -> str:
        """The filters ready to follow a "?" in a link (reports, their exports)."""
        return urlencode(self.as_query())


def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months, counting the current one."""
    month = today.month - 11
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, 1), today


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False,
                                  empty_label=_("all units"))
    kind = forms.ChoiceField(label=_("Card kind"), required=False,
                             choices=[("", _("any"))] + CardKind.choices)

    def __init__(self, data=None, *, allowed_unit_ids: frozenset[int] | None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.allowed_unit_ids = allowed_unit_ids
        units = Unit.objects.only("pk", "code", "name").order_by("name")
        if allowed_unit_ids is not None:
            units = units.filter(pk__in=sorted(allowed_unit_ids))
            self.fields["unit"].empty_label = _("all my units")
        self.fields["unit"].queryset = units

    def clean(self) -> dict:
        cleaned = super().clean()
        default_from, default_to = default_range(timezone.localdate())
        date_from = cleaned.get("date_from") or default_from
        date_to = cleaned.get("date_to") or default_to
        if "date_from" in self.errors or "date_to" in self.errors:
            return cleaned
        if date_from > date_to:
            raise forms.ValidationError(_("The start date must not be after the end date."))
        if (date_to - date_from).days > MAX_RANGE_DAYS:
            raise forms.ValidationError(_("The date range may span at most ten years."))
        cleaned["date_from"], cleaned["date_to"] = date_from, date_to
        return cleaned

    def filters(self) -> ReportFilters:
        """The validated filters, narrowed to the units the user may see."""
        data = self.cleaned_data
        unit_ids = self.allowed_unit_ids
        if data.get("unit") is not None:
            unit_ids = frozenset({data["unit"].pk})
        return ReportFilters(date_from=data["date_from"], date_to=data["date_to"],
                             unit_ids=unit_ids, kind=data.get("kind") or "")
