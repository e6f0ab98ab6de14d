"""Pages of search results whose cost does not follow the number of matches.

A search for a common surname matches thousands of cards: counting them all on every
page read every match from the table. Matches are counted up to `SEARCH_CAP` (read no
further than one past it); over it the page says "more than 500, narrow the search" and its
pages run through the first `SEARCH_CAP` rows of the list's order.
"""

from __future__ import annotations

from django.core.paginator import Paginator

SEARCH_CAP = 500


class CappedPaginator(Paginator):
    """A paginator given the matches counted up to one past the cap: its count is at most
    `cap` and `over_cap` tells the page to say so."""

    def __init__(self, object_list, per_page: int, matches: int):
        super().__init__(object_list, per_page)
        self.cap = SEARCH_CAP
        self.over_cap = matches > self.cap
        self.count = min(matches, self.cap)  # Paginator.count is a cached property
