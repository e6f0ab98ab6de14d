from __future__ import annotations

import django_filters

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Case, CaseKind, CaseState
from .selectors import QUEUES, case_filter


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number in the database's range, else a 400 (never a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class CaseFilter(django_filters.FilterSet):
    """Query parameters of the case list; the filtering itself is `selectors.case_filter`."""

    queue = django_filters.ChoiceFilter(
        choices=[(name, q.label) for name, q in QUEUES.items()], method="by_queue",
        label=_("queue"))
    kind = django_filters.ChoiceFilter(choices=CaseKind.choices)
    state = django_filters.ChoiceFilter(choices=CaseState.choices)
    unit = IdFilter(field_name="unit_id")
    assigned_to = IdFilter(field_name="assigned_to_id")
    unassigned = django_filters.BooleanFilter(method="by_unassigned", label=_("unassigned"))
    q = django_filters.CharFilter(method="by_query",
                                  label=_("case or card number, album number, surname"))

    class Meta:
        model = Case
        fields = ["queue", "kind", "state", "unit", "assigned_to", "unassigned", "q"]

    def by_queue(self, cases: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return case_filter(cases, queue=value)

    def by_unassigned(self, cases: QuerySet[Case], name: str, value: bool) -> QuerySet[Case]:
        return case_filter(cases, unassigned=True) if value else cases

    def by_query(self, cases: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return case_filter(cases, query=value)
