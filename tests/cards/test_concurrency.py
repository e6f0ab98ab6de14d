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


@pytest.mark.parametrize("rounds", range(3))
def test_one_hologram_number_on_two_cards_at_once_only_one_gets_it(rounds):
    unit = UnitFactory()
    cards = CardFactory.create_batch(2, serving_unit=unit, state=CardState.AWAITING_HOLOGRAM)
    clerks = UserFactory.create_batch(2, roles=["dziekanat"], units=[unit])

    def confirm(card, clerk):
        card_act(card_id=card.pk, action="confirm_hologram", actor=clerk, source="web",
                 hologram_number="12300042")
        return "ok"

    outcomes = at_once([lambda c=c, u=u: confirm(c, u) for c, u in zip(cards, clerks, strict=True)],
                       expected=(CardActionError,))

    assert outcomes.count("ok") == 1
    winner, loser = (cards if outcomes[0] == "ok" else cards[::-1])
    refusal = next(o for o in outcomes if o != "ok")
    assert str(winner) in refusal.message  # the refusal names the card that has it
    loser.refresh_from_db()
    assert (loser.state, loser.hologram_count) == (CardState.AWAITING_HOLOGRAM, 0)
    assert not CardEvent.objects.filter(card=loser).exists()
