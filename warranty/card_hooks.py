"""Keep cases in step with cards moved directly on the card page.

Registered with `cards.hooks` in `WarrantyConfig.ready`; runs inside the transaction
that moved the card. Moves driven by a case carry `context={"case_id": …}` and are
ignored here. Otherwise:
- the card's open case follows the move when its flow has that step (e.g. intake at
  SSOS on the card page → the fault case is "card at SSOS"), and the step's rules still
  apply: handing over a duplicate on the card page before the fee is paid is refused;
- a move that starts a flow (reported faulty, damaged, lost, invalidation decided)
  opens the matching case, closing a case that no longer applies;
- replacing a card that has an open case anywhere but at its hand-over is refused.
"""

from __future__ import annotations

from typing import Any

from cards.models import Card, CardEvent

from .services import case_follow_card_move


def on_card_transition(*, card: Card, event: CardEvent, actor: Any, context: dict) -> None:
    if context.get("case_id"):
        return
    case_follow_card_move(card=card, event=event, actor=actor)
