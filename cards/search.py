"""Search as a secretary types: partial and without diacritics ("dabrowska" finds
Dąbrowska, "zak" finds Żak, "00074" finds ELS-2025-0000743).

Stored text is folded in the database by ``search_fold(…)``: lower case without
diacritics, the parts joined by spaces. On PostgreSQL it is an SQL function over the
``unaccent`` extension with trigram (``pg_trgm``) indexes on the same expressions
(migration ``cards.0005_search``), so a ``LIKE '%…%'`` is an index scan; on SQLite the
same function is registered from Python. The query is folded in Python the same way.
"""

from __future__ import annotations

import unicodedata

from django.db.models import F, Func, Q, QuerySet, TextField

from .models import Card, Holder

# Letters that carry no combining mark to strip (unaccent maps them the same way).
_UNMARKED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
                           "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"})

HOLDER_FIELDS = ("first_name", "last_name", "album_number", "employee_number")
CARD_FIELDS = ("number", "chip_serial")


def fold(*parts: str | None) -> str:
    """Lower case, no diacritics, the parts joined by a space."""
    text = " ".join(part or "" for part in parts).translate(_UNMARKED)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


class SearchFold(Func):
    """The folded text of `fields`, as the search indexes store it."""

    function = "search_fold"
    output_field = TextField()

    def __init__(self, *fields: str) -> None:
        super().__init__(*(F(name) for name in fields))


def search_words(query: str) -> list[str]:
    return fold(query).split()


def holders_matching(words: list[str]) -> QuerySet[Holder]:
    """Holders whose name, album or employee number contains every word."""
    holders = Holder.objects.alias(search_text=SearchFold(*HOLDER_FIELDS))
    return holders.filter(*(Q(search_text__contains=word) for word in words))


def cards_matching(words: list[str]) -> QuerySet[Card]:
    """Cards whose number or chip serial contains every word."""
    cards = Card.objects.alias(search_text=SearchFold(*CARD_FIELDS))
    return cards.filter(*(Q(search_text__contains=word) for word in words))


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: SQLite gets ``search_fold`` from Python."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("search_fold", -1, fold, deterministic=True)
