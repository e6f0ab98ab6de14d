"""The counts the queues and dashboards show come from tallies the database keeps
(`cards.tally`): after random moves through the services, writers that bypass them (the
ORM's update, raw SQL, the bench seeder's replica mode), rollbacks, folds and concurrent
moves, every count equals a fresh COUNT of the rows."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from cards.errors import CardActionError
from cards.models import Card, CardState, CardTally
from cards.roles import sees_all_cards
from cards.selectors import card_list_for_user, card_list_total, served_cards_by_state
from cards.tally import fold
from tests.concurrency import at_once
from tests.factories import CardFactory, HolderFactory, UnitFactory, UserFactory
from tests.warranty.helpers import open_case
from tests.warranty.test_concurrency import _fee_table  # noqa: F401 (autouse fixture)
from warranty.errors import CaseConflict
from warranty.models import IS_OPEN, Case, CaseKind, CaseTally
from warranty.page_selectors import overdue_condition, queue_counts
from warranty.selectors import queues_for_user, visible_cases
from warranty.services import available_steps, case_act
from warranty.transitions import TRANSITIONS

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KINDS = [(CaseKind.FAULT, {}), (CaseKind.DAMAGE, {}), (CaseKind.LOST, {}),
         (CaseKind.EXTENSION_FAILURE, {"extension_error": "not_settled"})]


def _tallied(model) -> dict[tuple[int, str], int]:
    totals: dict[tuple[int, str], int] = {}
    for unit_id, state, n in model.objects.values_list("unit_id", "state", "n"):
        totals[(unit_id, state)] = totals.get((unit_id, state), 0) + n
    return {key: n for key, n in totals.items() if n}


def _counted(model, unit_field: str) -> dict[tuple[int, str], int]:
    rows = model.objects.order_by().values_list(unit_field, "state").annotate(n=Count("pk"))
    return {(unit_id, state): n for unit_id, state, n in rows}


def _fresh_queue_counts(user, now: dt.datetime) -> dict[str, int]:
    """The queue counts as a COUNT over the cases the user sees (the code before tallies)."""
    cases = visible_cases(user).filter(IS_OPEN)
    counts = {"all_open": cases.count(),
              "overdue": cases.filter(overdue_condition(now)).count()}
    for queue in queues_for_user(user):
        counts[queue.name] = cases.filter(queue.condition).count()
    return counts


def assert_every_count_is_exact(users, now=None) -> None:
    assert _tallied(CaseTally) == _counted(Case, "unit_id")
    assert _tallied(CardTally) == _counted(Card, "serving_unit_id")
    for when in (now or timezone.now(), timezone.now() + dt.timedelta(days=20)):
        for user in users:
            assert queue_counts(user, when) == _fresh_queue_counts(user, when), user.username
    for user in users:
        served = Card.objects.filter(state=CardState.AWAITING_HOLOGRAM)
        if not sees_all_cards(user):
            served = served.filter(serving_unit__in=user.units.all())
        assert served_cards_by_state(user, [CardState.AWAITING_HOLOGRAM]).get(
            CardState.AWAITING_HOLOGRAM, 0) == served.count()
        assert card_list_total(user) == card_list_for_user(user).count(), user.username


@pytest.fixture
def office():
    units = [UnitFactory(), UnitFactory()]
    deans = UserFactory(username="dziekanat-c", roles=["dziekanat"], units=[units[0]])
    ssos = UserFactory(username="ssos-c", roles=["ssos"])
    usos = UserFactory(username="usos-c", roles=["usos"])
    admin = UserFactory(username="admin-c", is_superuser=True, is_staff=True)
    # the dean's office clerk is also a holder, with a card served by the other unit
    own = CardFactory(serving_unit=units[1], holder=HolderFactory(user=deans))
    cards = [own] + [CardFactory(serving_unit=units[i % 2]) for i in range(23)]
    cases = [open_case(card, KINDS[i % len(KINDS)][0],
                       deans if card.serving_unit == units[0] else admin,
                       **KINDS[i % len(KINDS)][1]) for i, card in enumerate(cards)]
    return {"units": units, "users": [deans, ssos, usos, admin], "cases": cases,
            "staff": {"deans": deans, "ssos": ssos, "usos": usos, "admin": admin}}


def _random_step(case: Case, users, rng: random.Random) -> None:
    user = rng.choice(users)
    steps = [option["transition"] for option in available_steps(case, user)
             if option["refusal"] is None]
    names = [name for name, spec in TRANSITIONS.items()
             if spec in steps and not spec.params and name != "cancel"]  # keep them open
    if not names:
        return
    try:
        case_act(case_id=case.pk, action=rng.choice(names), actor=user, source="web",
                 note="krok w teście")
    except CardActionError:
        pass  # refused by a rule: nothing moved, and the counts must say so


def test_every_count_matches_a_fresh_count_after_random_moves(office):
    rng = random.Random(12)
    users, case_ids = office["users"], [case.pk for case in office["cases"]]
    for move in range(120):
        case = Case.objects.select_related("card", "holder").get(pk=rng.choice(case_ids))
        _random_step(case, users, rng)
        if move % 15 == 0:
            # writers that bypass the services: the ORM's update, raw SQL
            Case.objects.filter(pk=rng.choice(case_ids)).update(
                state_changed_at=timezone.now() - dt.timedelta(days=rng.randint(0, 40)))
            with connection.cursor() as cursor:
                cursor.execute("UPDATE cards_card SET state = %s WHERE id = %s",
                               [CardState.AWAITING_HOLOGRAM, rng.choice(case_ids) % 10 + 1])
        if move % 40 == 20:
            fold(CaseTally)
            fold(CardTally)
            assert_every_count_is_exact(users)
    assert_every_count_is_exact(users)
    assert CaseTally.objects.count() > len(_tallied(CaseTally))  # entries not yet folded


def test_a_rolled_back_move_leaves_the_counts(office):
    case = office["cases"][1]
    before = _tallied(CaseTally)
    with pytest.raises(RuntimeError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(state="cancelled")
        assert _tallied(CaseTally) != before
        raise RuntimeError
    assert _tallied(CaseTally) == before
    assert_every_count_is_exact(office["users"])


def test_the_bench_seeders_replica_mode_and_deletes_are_counted(office):
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # as bench/reports/bench.py
        try:
            cursor.execute("UPDATE warranty_case SET state = 'escalated' WHERE id = ANY(%s)",
                           [[case.pk for case in office["cases"][:5]]])
            cursor.execute("UPDATE cards_card SET serving_unit_id = %s",
                           [office["units"][0].pk])
            cursor.execute("DELETE FROM warranty_case WHERE id = %s", [office["cases"][6].pk])
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    assert_every_count_is_exact(office["users"])
    assert card_list_total(office["staff"]["ssos"]) == Card.objects.count()
    deans = office["staff"]["deans"]
    assert card_list_total(deans) == card_list_for_user(deans).count()
    with connection.cursor() as cursor:  # as the seeding of bench/ and tests/perf starts
        cursor.execute("TRUNCATE cards_unit, cards_holder RESTART IDENTITY CASCADE")
    assert not CaseTally.objects.exists() and not CardTally.objects.exists()


def test_counts_stay_exact_under_concurrent_moves(office):
    """Moves of different cases in the same unit and state, two people on the same case
    (exactly one wins) and a fold, all at the same moment, in their own transactions."""
    staff = office["staff"]
    waiting = [case for case in office["cases"]
               if case.kind == CaseKind.FAULT and case.state == "awaiting_card"]
    assert len(waiting) >= 3
    contested, others = waiting[0], waiting[1:]

    def receive(case, user):
        case_act(case_id=case.pk, action="receive_card", actor=user, source="web",
                 expected_state="awaiting_card")
        return "ok"

    calls = [lambda c=c: receive(c, staff["ssos"]) for c in others]
    calls += [lambda: receive(contested, staff["ssos"]), lambda: receive(contested, staff["admin"]),
              lambda: fold(CaseTally), lambda: fold(CardTally)]
    outcomes = at_once(calls, expected=(CardActionError, CaseConflict))
    contested_outcomes = outcomes[len(others):len(others) + 2]
    assert contested_outcomes.count("ok") == 1
    assert outcomes[:len(others)] == ["ok"] * len(others)
    assert_every_count_is_exact(office["users"])
