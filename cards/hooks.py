"""A small registry through which other apps react to card moves in the same transaction.

`cards` must not import `warranty` or `reader_bridge`; they register here instead
(in their AppConfig.ready). A hook runs inside the transaction that moved the card,
after the history entry is written, so what it writes commits or rolls back with the
move. It may raise a CardActionError to refuse the move.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TransitionHook = Callable[..., None]
_hooks: list[TransitionHook] = []


def register_transition_hook(hook: TransitionHook) -> TransitionHook:
    """hook(card=..., event=..., actor=..., context=...) — context is what the caller
    passed to `card_act(context=...)`, e.g. {"case_id": 42} when a case drives the move."""
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def run_transition_hooks(**kwargs: Any) -> None:
    for hook in list(_hooks):
        hook(**kwargs)


_actions_on_other_pages: set[str] = set()


def offer_actions_elsewhere(*actions: str) -> None:
    """Another app offers these card actions on its own pages (e.g. the cases app opens a
    case for "report not working"), so the card page shows its way in instead of a
    second form. The API and the admin still take them; the hooks keep both in step."""
    _actions_on_other_pages.update(actions)


def actions_offered_elsewhere() -> frozenset[str]:
    return frozenset(_actions_on_other_pages)
