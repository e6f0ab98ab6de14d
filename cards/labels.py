"""`ChoiceLabel`: a model's label for a choice field's value, for pages that show many rows."""

from __future__ import annotations

from typing import Any

from django.db import models


class ChoiceLabel:
    """`row.<attribute>`: what `row.get_<field>_display()` gives, from a dict built once
    (`get_<field>_display` rebuilds the dict of every choice on each call: a tenth of a
    queue page's time)."""

    def __init__(self, field: str, choices: type[models.Choices]) -> None:
        self.field = field
        self.labels = dict(choices.choices)

    def __get__(self, row: Any, owner: type | None = None) -> Any:
        if row is None:
            return self
        value = getattr(row, self.field)
        return self.labels.get(value, value)
