"""Text folded for search: lower case, without diacritics, the parts joined by spaces.

The same folding on both sides of a search: ``fold`` in Python (the typed query, and
SQLite's ``search_fold``) and ``search_fold(…)`` in PostgreSQL (migration
``cards.0005_search``, over the ``unaccent`` extension), which the stored columns that
the search reads are generated from.
"""

from __future__ import annotations

import unicodedata

from django.db.models import F, Func, TextField
from django.db.models.functions import Collate

# Letters that carry no combining mark to strip (unaccent maps them the same way).
_UNMARKED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
                           "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"})


def fold(*parts: str | None) -> str:
    """Lower case, no diacritics, the parts joined by a space."""
    text = " ".join(part or "" for part in parts).translate(_UNMARKED)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


class SearchFold(Func):
    """The folded text of `fields` (the database's ``search_fold``)."""

    function = "search_fold"
    output_field = TextField()

    def __init__(self, *fields: str) -> None:
        super().__init__(*(F(name) for name in fields))


class Bytewise(Collate):
    """Folded text in byte order, as the index ``card_search_text_order`` keeps it
    (``COLLATE "C"``; SQLite compares text so already)."""

    def __init__(self, field: str) -> None:
        super().__init__(F(field), "C")

    def as_sqlite(self, compiler, connection, **extra_context):
        return compiler.compile(self.get_source_expressions()[0])


class UnitTextOrder(Func):
    """The same byte order, as the index ``card_unit_text_order`` keeps it: an expression
    (``search_text || ''``) rather than the column, so that PostgreSQL cannot read that
    index alone to test the text, walking a unit's cards to count a search when the
    trigram index finds the few matches at once."""

    template = "(%(expressions)s || '') COLLATE \"C\""
    output_field = TextField()

    def __init__(self, field: str) -> None:
        super().__init__(F(field))

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="(%(expressions)s || '')",
                              **extra_context)
