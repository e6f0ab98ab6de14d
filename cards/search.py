"""Search as a secretary types: partial and without diacritics ("dabrowska" finds
Dąbrowska, "zak" finds Żak, "00074" finds ELS-2025-0000743).

What is searched is folded text stored on the row listed (``search_text``): a holder's
names and numbers (a generated column), a card's holder text with its number and chip
serial, and a case's number with its card's text (both kept by triggers, migrations
``cards.0008`` and ``warranty.0004``), all folded by ``search_fold(…)``
(`cards.folding`); the typed query is folded the same way in Python. Every word must
match: a word of three letters or more anywhere (``LIKE '%…%'``), a shorter one at the
start of a word ("an" finds Anna, not Joanna), since one or two letters inside words
would match nearly everyone. On PostgreSQL both are one trigram (``pg_trgm``) index scan
of the table listed, whose recheck reads the stored text; on SQLite the same conditions
are evaluated without an index.
"""

from __future__ import annotations

import re
from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from .folding import fold

# Shorter words match at the start of a word: pg_trgm indexes the first one or two
# letters of each word (with the blanks before them), so this pattern is an index scan.
WORD_START_BELOW = 3
WORD_START = r"(^|[ -]){}"

Row = TypeVar("Row", bound=Model)


def search_words(query: str) -> list[str]:
    return fold(query).split()


def word_condition(word: str, field: str = "search_text") -> Q:
    """`field` (folded text) contains `word`, or has a word starting with it if short."""
    if len(word) < WORD_START_BELOW:
        return Q(**{f"{field}__regex": WORD_START.format(re.escape(word))})
    return Q(**{f"{field}__contains": word})


def matching(rows: QuerySet[Row], query: str) -> QuerySet[Row]:
    """The rows (holders, cards or cases) whose search text has every word of `query`."""
    return rows.filter(*(word_condition(word) for word in search_words(query)))


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: SQLite gets ``search_fold`` from Python."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("search_fold", -1, fold, deterministic=True)
