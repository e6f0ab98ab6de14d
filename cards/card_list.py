"""The staff card list: 25 cards a page, at a cost that does not follow the number of
cards the user sees or a search finds (docs/performance.md, "Search").

- Without a search: the total from the tally (`card_list_total`), the page in the
  cards' text order (surname first) from an index: every card's (`card_search_text_order`)
  or, for a dean's office, its units' walks merged (`card_unit_text_order`), ids first.
- A number typed whole (card number, chip serial, album or employee number): that
  number's cards alone, by index lookups.
- Otherwise the search (`cards.search`), counted up to `SEARCH_CAP` and listed by the
  cards' stored text (surname first). Over the cap, sorting every match read thousands
  of them from the table, so the page comes from an index walked in order, testing
  each card, that stops at the page: for number fragments the text order itself
  (index `card_search_text_order`, read alone); for names, whose matches bunch
  together in that order, the cards registered last first (the primary key walked
  backwards; the page says so and asks for a narrower search).

Each page's cards are read as values (`CardRow`): 25 cards with their holder and unit as
model instances cost more than reading them, and a list never needs the holder's
decrypted PESEL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q, QuerySet

from . import compiled_queries, paging
from .folding import Bytewise, UnitTextOrder
from .models import Card, Holder
from .paging import CappedPaginator
from .roles import sees_all_cards
from .search import search_words
from .selectors import (
    SEARCH_ORDER,
    card_list_for_user,
    card_list_parts,
    card_list_total,
    card_search,
    scope_key,
)

PAGE_SIZE = 25
# The list's order, surname first, as the index `card_search_text_order` keeps it.
TEXT_ORDER = (Bytewise("search_text"), "pk")
# Over the cap: the primary key walked backwards, each card tested, stopping at the page.
NEWEST_FIRST = ("-pk",)
ROW_COLUMNS = ("pk", "number", "state", "valid_until", "holder__first_name",
               "holder__last_name", "holder__album_number", "holder__employee_number",
               "serving_unit__name")


@dataclass(frozen=True, slots=True)
class CardRow:
    """What a row of the card list shows."""

    pk: int
    number: str
    state: str
    valid_until: dt.date | None
    holder_name: str  # `Holder.name_of`
    holder_number: str  # the album number, else the employee number
    unit_name: str

    is_terminal = Card.is_terminal
    has_lapsed = Card.has_lapsed

    @classmethod
    def of(cls, row: tuple) -> CardRow:
        """From a row of `ROW_COLUMNS` (and any columns after them)."""
        pk, number, state, valid_until, first, last, album, employee, unit = row[:9]
        return cls(pk, number, state, valid_until, Holder.name_of(first, last),
                   album or employee, unit)


@dataclass(frozen=True)
class CardListPage:
    page: Page
    exact: bool = False  # the search was a number, and these are its cards
    newest_first: bool = False  # too many matches to list by surname


@dataclass(frozen=True)
class _Listed:
    """The cards a user sees (in a state): the queryset, and the key of the queries
    compiled once over them (`cards.compiled_queries`)."""

    user: Any
    state: str

    def cards(self) -> QuerySet[Card]:
        cards = card_list_for_user(self.user)
        return cards.filter(state=self.state) if self.state else cards

    def rows(self, name: str, build: Any, values: list) -> list[CardRow]:
        """`build(cards, values)` (a `values_list` of ROW_COLUMNS first) as rows."""
        key = (name, *scope_key(self.user), self.state, len(values))
        return [CardRow.of(row) for row in compiled_queries.fetch(
            key, lambda *v: build(self.cards(), list(v)), *values)]


def card_list_page(user: Any, *, query: str = "", state: str = "",
                   page_number: Any = 1) -> CardListPage:
    listed_cards = _Listed(user, state)
    cards = listed_cards.cards()
    query = query.strip()
    if not query:
        by_unit = not sees_all_cards(user)
        listed = _by_unit_ids(card_list_parts(user), state) if by_unit else cards.order_by(
            *TEXT_ORDER).values_list(*ROW_COLUMNS)
        paginator = Paginator(listed, PAGE_SIZE)
        paginator.count = card_list_total(user, state)  # a cached property: no COUNT
        page = paginator.get_page(page_number)
        if by_unit:
            return CardListPage(_with_rows(listed_cards, page))
        page.object_list = [CardRow.of(row) for row in page.object_list]
        return CardListPage(page)
    exact = exact_matches(listed_cards, query)
    if exact:
        return CardListPage(Paginator(exact, PAGE_SIZE).get_page(page_number), exact=True)
    return search_page(listed_cards, query, page_number)


def exact_matches(listed: _Listed, query: str) -> list[CardRow]:
    """The cards of a number typed whole, in any letter case: a card number or chip serial
    (the card), an album or employee number (its holder's cards). One query, each part an
    index lookup; none for words without a digit."""
    if len(query.split()) != 1 or not _has_digit(query):
        return []
    return listed.rows("card numbers", _numbered, sorted({query, query.upper(), query.lower()}))


def _numbered(cards: QuerySet[Card], spellings: list[str]) -> QuerySet:
    holders = Holder.objects.filter(Q(album_number__in=spellings)
                                    | Q(employee_number__in=spellings)).values("pk")
    # a UNION: an OR across the subquery would keep PostgreSQL from the indexes
    columns = (*ROW_COLUMNS, *SEARCH_ORDER)  # a UNION is ordered by its own columns
    return cards.filter(Q(number__in=spellings) | Q(chip_serial__in=spellings)).order_by(
    ).values_list(*columns).union(cards.filter(holder_id__in=holders).order_by().values_list(
        *columns)).order_by(*SEARCH_ORDER)


def search_page(listed: _Listed, query: str, page_number: Any) -> CardListPage:
    """The matches up to the cap with their text, in one scan: under the cap these are
    all, sorted here; over it the page's ids come from an index walked in order. Then the
    page's rows by key."""
    found = card_search(listed.cards(), query)
    first = list(found.order_by().values_list("pk", "search_text")[: paging.SEARCH_CAP + 1])
    over_cap = len(first) > paging.SEARCH_CAP
    newest_first = over_cap and not all(map(_has_digit, search_words(query)))
    if newest_first:  # names: spread over the primary key, bunched in the text order
        ids = found.order_by(*NEWEST_FIRST).values_list("pk", flat=True)
    elif over_cap:  # number fragments: spread over the text order
        ids = found.order_by(*TEXT_ORDER).values_list("pk", flat=True)
    else:  # byte order of the text, as TEXT_ORDER
        ids = [pk for pk, _text in sorted(first, key=lambda row: (row[1], row[0]))]
    page = CappedPaginator(ids, PAGE_SIZE, len(first)).get_page(page_number)
    return CardListPage(_with_rows(listed, page), newest_first=newest_first)


def _by_unit_ids(parts: list[QuerySet[Card]], state: str) -> QuerySet:
    """(id, order key) of a dean's office's cards (in `state`) in text order, one ordered
    walk of `card_unit_text_order` per unit, merged by PostgreSQL (a UNION ALL of ordered
    parts; SQLite, which cannot order the parts of a UNION, sorts)."""
    parts = [(part.filter(state=state) if state else part)
             .annotate(order_key=UnitTextOrder("search_text")).values_list("pk", "order_key")
             for part in parts]
    if len(parts) == 1:
        return parts[0].order_by("order_key", "pk")
    ordered = connection.features.supports_slicing_ordering_in_compound
    parts = [part.order_by(*(("order_key", "pk") if ordered else ())) for part in parts]
    return parts[0].union(*parts[1:], all=True).order_by("order_key", "pk")


def _with_rows(listed: _Listed, page: Page) -> Page:
    """The page's cards by key, in the order of its ids (or (id, order key) pairs)."""
    ids = [row[0] if isinstance(row, tuple) else row for row in page.object_list]
    rows = {row.pk: row for row in listed.rows("card rows", _by_ids, ids)}
    # a card that left the list's state between the two queries is left out, not a 500
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def _by_ids(cards: QuerySet[Card], ids: list[int]) -> QuerySet:
    return cards.filter(pk__in=ids).order_by().values_list(*ROW_COLUMNS)


def _has_digit(word: str) -> bool:
    return any(ch.isdigit() for ch in word)
