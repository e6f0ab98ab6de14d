"""Query-string filters of the card list API."""

from __future__ import annotations

import django_filters

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Card, CardKind, CardState
from .selectors import card_search


class CardFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=CardState.choices, label=_("State"))
    kind = django_filters.ChoiceFilter(choices=CardKind.choices, label=_("Kind"))
    unit = django_filters.CharFilter(field_name="serving_unit__code", lookup_expr="iexact",
                                     label=_("Serving unit code"))
    album_number = django_filters.CharFilter(field_name="holder__album_number",
                                             label=_("Holder's album number"))
    q = django_filters.CharFilter(method="search", max_length=100,
                                  label=_("Album number, name, card number or chip serial"))

    class Meta:
        model = Card
        fields = ["state", "kind", "unit", "album_number", "q"]

    def search(self, queryset: QuerySet[Card], name: str, value: str) -> QuerySet[Card]:
        return card_search(queryset, value)
