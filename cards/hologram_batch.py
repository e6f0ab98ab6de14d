"""Confirming the holograms of many cards at once: each card in its own transaction,
through `card_act`, so one refusal leaves the others done and nothing half-done."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import CardActionError
from .models import Card, CardState
from .services import card_act


@dataclass(frozen=True)
class HologramOutcome:
    card: Card
    number: str
    refusal: CardActionError | None = None

    @property
    def confirmed(self) -> bool:
        return self.refusal is None


def confirm_holograms(*, entries: Iterable[tuple[Card, str]], actor: Any,
                      source: str) -> list[HologramOutcome]:
    """Stick hologram `number` on each card, in the order given; a card someone else
    moved meanwhile is refused as a conflict."""
    outcomes = []
    for card, number in entries:
        try:
            card_act(card_id=card.pk, action="confirm_hologram", actor=actor, source=source,
                     expected_state=CardState.AWAITING_HOLOGRAM, hologram_number=number)
        except CardActionError as exc:
            outcomes.append(HologramOutcome(card, number, exc))
        else:
            outcomes.append(HologramOutcome(card, number))
    return outcomes
