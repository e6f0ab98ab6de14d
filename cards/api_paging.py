"""API paging: `limit` and `offset` that are not whole numbers in range are a 400, never
silently replaced, and no page holds more than MAX_LIMIT rows. A search (`?q=`) is
counted as the pages count it (`cards.paging`), and says when its count stopped at the cap."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from .paging import SEARCH_CAP, capped, count_up_to

MAX_LIMIT = 500
MAX_OFFSET = 10**9


class CheckedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def get_limit(self, request) -> int:
        return self._checked(request, self.limit_query_param, self.default_limit, 1, MAX_LIMIT)

    def get_offset(self, request) -> int:
        return self._checked(request, self.offset_query_param, 0, 0, MAX_OFFSET)

    @staticmethod
    def _checked(request, name: str, default: int, low: int, high: int) -> int:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
            raise ValidationError({name: [_("Enter a whole number from %(low)d to %(high)d.")
                                          % {"low": low, "high": high}]})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {self.limit_query_param: (1, MAX_LIMIT), self.offset_query_param: (0, MAX_OFFSET)}
        for parameter in parameters:
            low, high = bounds[parameter["name"]]
            parameter["schema"].update(minimum=low, maximum=high)
        return parameters


class CappedSearchPagination(CheckedLimitOffsetPagination):
    """With a search (`?q=`) the matches are counted no further than one past
    `SEARCH_CAP`, as the card list page counts them: a common surname among a million
    cards matches thousands. Over the cap `count` is the cap, `count_capped` is true and
    the pages run through the first `count` matches only (narrow the search for the rest)."""

    search_param = "q"

    def paginate_queryset(self, queryset, request, view=None):
        self.searched = bool(request.query_params.get(self.search_param, "").strip())
        self.count_capped = False
        rows = super().paginate_queryset(queryset, request, view)
        return rows[: max(self.count - self.offset, 0)] if self.count_capped else rows

    def get_count(self, queryset) -> int:
        if not self.searched:
            return super().get_count(queryset)
        count, self.count_capped = capped(count_up_to(queryset))
        return count

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.count_capped
        return response

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["required"] = [*answer["required"], "count_capped"]
        answer["properties"]["count_capped"] = {
            "type": "boolean",
            "description": _(
                "True when a search (`q`) matched more than %(cap)d rows: `count` is then "
                "%(cap)d and the pages run through the first %(cap)d matches only; narrow the "
                "search to see the others.") % {"cap": SEARCH_CAP},
        }
        return answer
