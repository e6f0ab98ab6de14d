"""The card state machine as a table: which action is possible from which state."""

import pytest

from django_fsm import can_proceed

from cards.actions import ACTIONS
from cards.models import Card, CardState

S = CardState
LIVE = {S.ACTIVE, S.AWAITING_HOLOGRAM, S.REPORTED_FAULTY, S.WITH_SSOS, S.DAMAGED, S.LOST}
ALLOWED = {
    "extend": {S.ACTIVE},
    "confirm_hologram": {S.AWAITING_HOLOGRAM},
    "report_faulty": {S.ACTIVE, S.AWAITING_HOLOGRAM},
    "hand_to_ssos": {S.REPORTED_FAULTY},
    "return_working": {S.REPORTED_FAULTY, S.WITH_SSOS},
    "mark_damaged": {S.ACTIVE, S.AWAITING_HOLOGRAM, S.REPORTED_FAULTY, S.WITH_SSOS},
    "report_lost": {S.ACTIVE, S.AWAITING_HOLOGRAM, S.REPORTED_FAULTY, S.DAMAGED},
    "mark_found": {S.LOST},
    "decide_invalidation": LIVE,
    "withdraw_invalidation": {S.PENDING_INVALIDATION},
    "confirm_corner_cut": {S.PENDING_INVALIDATION},
    "replace": {S.WITH_SSOS, S.DAMAGED, S.LOST},
    "invalidate_forged": LIVE | {S.PENDING_INVALIDATION},
}


def test_every_action_is_in_the_table():
    assert set(ALLOWED) == set(ACTIONS)


@pytest.mark.parametrize("state", list(CardState))
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_transition_matrix(state, action):
    card = Card(state=state)
    assert can_proceed(getattr(card, action)) is (state in ALLOWED[action])


@pytest.mark.parametrize("state", [S.INVALIDATED, S.REPLACED])
def test_terminal_states_allow_nothing(state):
    card = Card(state=state)
    assert not any(can_proceed(getattr(card, action)) for action in ACTIONS)


def test_state_cannot_be_assigned_directly():
    card = Card(state=S.ACTIVE)
    with pytest.raises(AttributeError):
        card.state = S.INVALIDATED
