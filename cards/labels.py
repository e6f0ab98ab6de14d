"""`ChoiceLabel`: a model's label for a choice field's value, for pages that show many rows."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import get_language


class ChoiceLabel:
    """`row.<attribute>`: what `row.get_<field>_display()` gives, from a dict built once
    (`get_<field>_display` rebuilds the dict of every choice on each call: a tenth of a
    queue page's time)."""

    def __init__(self, field: str, choices: type[models.Choices]) -> None:
        self.field = field
        self.labels = dict(choices.choices)
        self._translated: dict[str | None, dict[Any, str]] = {}

    def __get__(self, row: Any, owner: type | None = None) -> Any:
        if row is None:
            return self
        value = getattr(row, self.field)
        return self.labels.get(value, value)

    def translated(self) -> dict[Any, str]:
        """Every label as text in the active language, translated once per language (a
        lazy label is translated again each time it is written)."""
        language = get_language()
        if language not in self._translated:
            self._translated[language] = {value: str(label) for value, label in self.labels.items()}
        return self._translated[language]
