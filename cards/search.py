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
from dataclasses import dataclass
from typing import TypeVar

from django.db import connection
from django.db.models import F, Model, Q, QuerySet
from django.db.models.lookups import BuiltinLookup, Contains

from .folding import fold

# Shorter words match at the start of a word: pg_trgm indexes the first one or two
# letters of each word (with the blanks before them), so this pattern is an index scan.
WORD_START_BELOW = 3
WORD_START = r"(^|[ -]){}"

Row = TypeVar("Row", bound=Model)


def search_words(query: str) -> list[str]:
    return fold(query).split()


@dataclass(frozen=True)
class WordPattern:
    """A word as its condition compares it, whole: a short word's regular expression (at
    the start of a word), a longer one's LIKE pattern (anywhere). The pattern is the
    query's parameter itself, so a query compiled once (`cards.compiled_queries`) takes
    each search's patterns as its values."""

    at_word_start: bool
    pattern: str


def word_pattern(word: str) -> WordPattern:
    if len(word) < WORD_START_BELOW:
        return WordPattern(True, WORD_START.format(re.escape(word)))
    return WordPattern(False, f"%{connection.ops.prep_for_like_query(word)}%")


def search_patterns(query: str) -> list[WordPattern]:
    return [word_pattern(word) for word in search_words(query)]


class _LikePattern(Contains):
    """`contains` given its whole LIKE pattern: the same SQL, the pattern not wrapped."""

    def process_rhs(self, compiler, connection):
        return BuiltinLookup.process_rhs(self, compiler, connection)


def pattern_condition(word: WordPattern, field: str = "search_text") -> Q:
    """`field` (folded text) matches the word's pattern."""
    if word.at_word_start:
        return Q(**{f"{field}__regex": word.pattern})
    return Q(_LikePattern(F(field), word.pattern))


def matching(rows: QuerySet[Row], query: str) -> QuerySet[Row]:
    """The rows (holders, cards or cases) whose search text has every word of `query`."""
    return matching_patterns(rows, search_patterns(query))


def matching_patterns(rows: QuerySet[Row], words: list[WordPattern]) -> QuerySet[Row]:
    return rows.filter(*(pattern_condition(word) for word in words))


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: SQLite gets ``search_fold`` from Python."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("search_fold", -1, fold, deterministic=True)
