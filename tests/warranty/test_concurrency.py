"""Two people acting on the same case at once: exactly one wins (PostgreSQL row locks)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cards.errors import CardActionError
from tests.concurrency import at_once
from tests.factories import CardFactory, HolderFactory, UnitFactory, UserFactory
from tests.warranty.helpers import CLEAN, DIRTY
from warranty.models import Assessment, Case, CaseEvent, CaseState, FeeSchedule, Payment
from warranty.services import case_act, case_open

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fee_table():
    """Transactional tests start from an empty database, without the seeded fee table."""
    FeeSchedule.objects.get_or_create(card_kind="ELS", event="duplicate",
                                      valid_from=dt.date(2018, 10, 1),
                                      defaults={"amount": Decimal("33.00")})


def _race(calls):
    return at_once(calls, expected=(CardActionError,))


@pytest.mark.parametrize("rounds", range(3))
def test_two_ssos_assessing_one_case_exactly_one_wins(rounds):
    unit = UnitFactory()
    clerk = UserFactory(roles=["dziekanat"], units=[unit])
    first, second = UserFactory(roles=["ssos"]), UserFactory(roles=["ssos"])
    card = CardFactory(serving_unit=unit, holder=HolderFactory(email=""))
    case = case_open(card_id=card.pk, kind="fault", actor=clerk, source="web", note="nie działa")
    case_act(case_id=case.pk, action="receive_card", actor=first, source="web")

    outcomes = _race([
        lambda: case_act(case_id=case.pk, action="approve_warranty", actor=first, source="api",
                         checklist=CLEAN),
        lambda: case_act(case_id=case.pk, action="require_duplicate", actor=second,
                         source="api", checklist=DIRTY),
    ])

    winners = [o for o in outcomes if isinstance(o, Case)]
    assert len(winners) == 1
    loser = next(o for o in outcomes if isinstance(o, CardActionError))
    assert loser.status_code == 409
    case.refresh_from_db()
    assert case.state in (CaseState.WARRANTY_APPROVED, CaseState.PAYMENT_DUE)
    assert Assessment.objects.filter(case=case).count() == 1
    assert Payment.objects.filter(case=case).count() == (case.state == CaseState.PAYMENT_DUE)
    assert CaseEvent.objects.filter(case=case).count() == 3  # open, intake, one assessment


def test_concurrent_openings_get_distinct_numbers_and_one_case_per_card():
    unit = UnitFactory()
    clerks = [UserFactory(roles=["dziekanat"], units=[unit]) for _ in range(4)]
    cards = [CardFactory(serving_unit=unit, holder=HolderFactory(email="")) for _ in range(3)]
    calls = [
        (lambda c=c, clerk=clerk: case_open(card_id=c.pk, kind="lost", actor=clerk,
                                            source="api", note="zgubiona"))
        for c, clerk in zip(cards, clerks, strict=False)
    ]
    calls.append(lambda: case_open(card_id=cards[0].pk, kind="damage", actor=clerks[3],
                                   source="api", note="złamana"))

    outcomes = _race(calls)

    numbers = sorted(o.number for o in outcomes if isinstance(o, Case))
    assert len(numbers) == 3 and len(set(numbers)) == 3
    assert [n[-5:] for n in numbers] == ["00001", "00002", "00003"]
    assert Case.objects.filter(card=cards[0]).count() == 1
