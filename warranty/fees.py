"""The fee table: amounts are data (FeeSchedule rows with valid-from dates), never literals."""

from __future__ import annotations

import datetime as dt

from .models import FeeSchedule


def fee_for(*, card_kind: str, event: str, on: dt.date) -> FeeSchedule | None:
    """The fee row in force on `on` for this card kind and event, or None if the table has none."""
    return (
        FeeSchedule.objects.filter(card_kind=card_kind, event=event, valid_from__lte=on)
        .order_by("-valid_from")
        .first()
    )
