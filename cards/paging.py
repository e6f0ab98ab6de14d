"""Pages of search results whose cost does not follow the number of matches.

A search for a common surname matches thousands of cards: counting them all on every
page read every match from the table. Matches are counted up to `SEARCH_CAP` (read no
further than one past it); over it the page says "more than 500, narrow the search" and its
pages run through the first `SEARCH_CAP` rows of the list's order.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet

SEARCH_CAP = 500


def count_up_to(rows: QuerySet) -> int:
    """How many rows there are, counting no further than one past the cap."""
    return rows.order_by().values("pk")[: SEARCH_CAP + 1].count()


def capped(matches: int) -> tuple[int, bool]:
    """Matches counted no further than one past the cap (`count_up_to`) as a list shows
    them: the count, at most the cap, and whether there are more."""
    return min(matches, SEARCH_CAP), matches > SEARCH_CAP


class CappedPaginator(Paginator):
    """A paginator given the matches counted up to one past the cap: its count is at most
    `cap` and `over_cap` tells the page to say so."""

    def __init__(self, object_list, per_page: int, matches: int):
        super().__init__(object_list, per_page)
        self.cap = SEARCH_CAP
        # Paginator.count is a cached property
        self.count, self.over_cap = capped(matches)
