"""Two people acting on the same card at the same moment: exactly one wins."""


import pytest

from cards.errors import CardActionError
from cards.models import CardEvent, CardState
from cards.services import card_act
from tests.concurrency import at_once
from tests.factories import CardFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("cards_alone")]


def _race(card_id, attempts):
    """Each attempt (actor, action, note[, expected_state]) at once: "ok" or the error."""
    def attempt(actor, action, note, expected_state=None):
        card_act(card_id=card_id, action=action, actor=actor, source="api", note=note,
                 expected_state=expected_state)
        return "ok"

    return at_once([lambda a=a: attempt(*a) for a in attempts], expected=(CardActionError,))


@pytest.mark.parametrize("rounds", range(5))
def test_two_clerks_one_card_exactly_one_wins(rounds):
    unit = UnitFactory()
    card = CardFactory(serving_unit=unit)
    first = UserFactory(roles=["dziekanat"], units=[unit])
    second = UserFactory(roles=["dziekanat"], units=[unit])

    # Both saw the card active; faulty-then-lost would be a valid sequence, but not
    # for two people who each decided on what the card was when they looked.
    outcomes = _race(card.pk, [(first, "report_lost", "stolen", CardState.ACTIVE),
                               (second, "report_faulty", "does not read", CardState.ACTIVE)])

    assert outcomes.count("ok") == 1
    loser = next(o for o in outcomes if o != "ok")
    assert isinstance(loser, CardActionError) and loser.status_code == 409
    card.refresh_from_db()
    assert card.state in (CardState.LOST, CardState.REPORTED_FAULTY)
    assert CardEvent.objects.filter(card=card).count() == 1


def test_same_action_twice_records_once():
    unit = UnitFactory()
    card = CardFactory(serving_unit=unit)
    clerk = UserFactory(roles=["dziekanat"], units=[unit])

    outcomes = _race(card.pk, [(clerk, "report_lost", "a"), (clerk, "report_lost", "b")])

    assert outcomes.count("ok") == 1
    assert CardEvent.objects.filter(card=card, action="report_lost").count() == 1
