"""Every case flow walked end to end through the services, as the people would."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from django.utils import timezone

from cards.models import Card, CardKind, CardState
from tests.factories import CardFactory, EnrolmentFactory, SemesterFactory
from tests.warranty.helpers import CLEAN, DIRTY, act, open_case
from warranty.models import (
    Assessment,
    CaseEvent,
    CaseState,
    ExtensionAttempt,
    FeeSchedule,
    PaymentStatus,
)
from warranty.services import case_record_attempt, payment_mark_paid, payment_waive

pytestmark = pytest.mark.django_db
S = CaseState


def _history(case) -> list[tuple[str, str, str]]:
    return list(CaseEvent.objects.filter(case=case).values_list("action", "from_state",
                                                                "to_state"))


def test_fault_to_warranty_exchange(card, deans_office, ssos):
    case = open_case(card, "fault", deans_office)
    assert case.number == f"ELS/{timezone.localdate().year}/00001"
    assert case.state == S.AWAITING_CARD and case.card.state == CardState.REPORTED_FAULTY

    case = act(case, "receive_card", ssos)
    assert case.card.state == CardState.WITH_SSOS and case.card_received_by == ssos
    case = act(case, "approve_warranty", ssos, checklist=CLEAN)
    assert case.assessment.outcome == Assessment.Outcome.WARRANTY
    case = act(case, "order_replacement", ssos)
    case = act(case, "mark_ready", ssos)
    case = act(case, "hand_over", ssos, new_number="ELS-NEW-1", new_chip_serial="04FF0100")

    assert case.state == S.HANDED_OVER
    assert case.card.state == CardState.REPLACED
    new = Card.objects.get(number="ELS-NEW-1")
    assert case.new_card == new and new.replaces == card and new.state == CardState.ACTIVE
    assert not hasattr(case, "payment")
    assert _history(case) == [
        ("open", "", S.AWAITING_CARD),
        ("receive_card", S.AWAITING_CARD, S.IN_ASSESSMENT),
        ("approve_warranty", S.IN_ASSESSMENT, S.WARRANTY_APPROVED),
        ("order_replacement", S.WARRANTY_APPROVED, S.REPLACEMENT_ORDERED),
        ("mark_ready", S.REPLACEMENT_ORDERED, S.READY_FOR_PICKUP),
        ("hand_over", S.READY_FOR_PICKUP, S.HANDED_OVER),
    ]
    # the card's own history says the moves were made for this case
    assert card.events.filter(details__case_id=case.pk).count() == 3


def test_fault_assessed_dirty_becomes_paid_duplicate(card, deans_office, ssos):
    case = open_case(card, "fault", deans_office)
    case = act(case, "receive_card", ssos)
    case = act(case, "require_duplicate", ssos, checklist=DIRTY)

    assert case.state == S.PAYMENT_DUE
    assert case.card.state == CardState.DAMAGED
    assert case.payment.amount == Decimal("33.00") and case.payment.status == PaymentStatus.DUE
    assert case.assessment.chip_dirty_or_worn and case.assessment.outcome == "duplicate"

    payment_mark_paid(case_id=case.pk, actor=deans_office, source="web", reference="PAY-1",
                      paid_on=timezone.localdate())
    case = act(case, "order_duplicate", ssos)
    case = act(case, "mark_ready", ssos)
    case = act(case, "hand_over", ssos, new_number="ELS-DUP-1", new_chip_serial="04FF0200")
    assert case.state == S.HANDED_OVER
    assert case.new_card.events.get().reason  # issued as a paid duplicate
    assert case.card.state == CardState.REPLACED


@pytest.mark.parametrize(("kind", "card_state"), [("damage", CardState.DAMAGED),
                                                  ("lost", CardState.LOST)])
def test_damage_and_lost_go_straight_to_paid_duplicate(card, deans_office, kind, card_state):
    case = open_case(card, kind, deans_office, note="pęknięta / zgubiona")
    assert case.state == S.PAYMENT_DUE and case.card.state == card_state
    assert case.payment.amount == Decimal("33.00")

    payment_waive(case_id=case.pk, actor=deans_office, source="web", reason="trudna sytuacja")
    case = act(case, "order_duplicate", deans_office)
    case = act(case, "mark_ready", deans_office)
    case = act(case, "hand_over", deans_office, new_number="N-1", new_chip_serial="04C0FFEE01")
    assert case.state == S.HANDED_OVER and case.payment.status == PaymentStatus.WAIVED


def test_fee_comes_from_the_table_in_force(unit, deans_office):
    FeeSchedule.objects.create(card_kind=CardKind.ELS, event="duplicate",
                               amount=Decimal("40.50"),
                               valid_from=timezone.localdate() - dt.timedelta(days=1))
    FeeSchedule.objects.create(card_kind=CardKind.ELS, event="duplicate",
                               amount=Decimal("99.00"),
                               valid_from=timezone.localdate() + dt.timedelta(days=30))
    case = open_case(CardFactory(serving_unit=unit), "damage", deans_office)
    assert case.payment.amount == Decimal("40.50")


def test_free_duplicate_fee_is_waived_at_once(unit, deans_office):
    card = CardFactory(serving_unit=unit, kind=CardKind.ELD, number="ELD-1")
    case = open_case(card, "lost", deans_office)
    assert case.number.startswith("ELD/")
    assert case.payment.amount == 0 and case.payment.status == PaymentStatus.WAIVED


def test_lost_card_found_closes_the_case(card, deans_office):
    case = open_case(card, "lost", deans_office)
    case = act(case, "mark_found", deans_office)
    assert case.state == S.CANCELLED and case.card.state == CardState.ACTIVE
    assert case.payment.status == PaymentStatus.CANCELLED


def test_fault_card_works_after_all(card, deans_office, ssos):
    case = open_case(card, "fault", deans_office)
    case = act(case, "receive_card", ssos)
    case = act(case, "return_working", ssos, note="działa po przetarciu czytnika")
    assert case.state == S.RESOLVED and case.card.state == CardState.ACTIVE


def test_invalidation_through_corner_cut(card, deans_office):
    EnrolmentFactory(holder=card.holder, status="removed")
    case = open_case(card, "invalidation", deans_office, note="", ground="removed_from_list")
    assert case.state == S.AWAITING_CORNER_CUT
    assert case.card.state == CardState.PENDING_INVALIDATION
    case = act(case, "confirm_corner_cut", deans_office)
    assert case.state == S.CARD_RETURNED and case.card.state == CardState.INVALIDATED


def test_invalidation_withdrawn(card, deans_office):
    EnrolmentFactory(holder=card.holder, status="removed")
    case = open_case(card, "invalidation", deans_office, note="", ground="removed_from_list")
    case = act(case, "withdraw_invalidation", deans_office, note="pomyłka")
    assert case.state == S.CANCELLED and case.card.state == CardState.ACTIVE


@pytest.mark.parametrize(("error", "state"), [
    ("no_certificate", S.ESCALATED),
    ("extension_error", S.ESCALATED),
    ("not_settled", S.DATA_FIX_NEEDED),
    ("card_read_failed", S.TROUBLESHOOTING),
])
def test_extension_failure_starts_where_its_remedy_says(card, deans_office, error, state):
    case = open_case(card, "extension_failure", deans_office, extension_error=error)
    assert case.state == state
    assert case.card.state == CardState.ACTIVE  # an extension failure does not move the card


def test_second_failed_read_sends_holder_to_usos_office(card, deans_office, usos_office):
    case = open_case(card, "extension_failure", deans_office, extension_error="card_read_failed",
                     note="czytnik nie widzi karty")
    assert ExtensionAttempt.objects.filter(case=case, succeeded=False).count() == 1
    case_record_attempt(case_id=case.pk, actor=deans_office, source="web", succeeded=False,
                        note="przetarty chip, nadal nic")
    case.refresh_from_db()
    assert case.state == S.HOLDER_TO_USOS

    case_record_attempt(case_id=case.pk, actor=usos_office, source="web", succeeded=True)
    case.refresh_from_db()
    assert case.state == S.RESOLVED
    assert [a for a, _f, _t in _history(case)] == [
        "open", "attempt", "send_holder_to_usos", "attempt", "resolve"]


def test_extension_failure_turned_into_fault(card, deans_office, ssos):
    case = open_case(card, "extension_failure", deans_office, extension_error="card_read_failed")
    case = act(case, "convert_to_fault", deans_office, note="karta nie odpowiada w 3 czytnikach")
    assert case.state == S.CONVERTED
    fault = case.converted_to
    assert fault.kind == "fault" and fault.state == S.AWAITING_CARD
    assert fault.card.state == CardState.REPORTED_FAULTY
    assert act(fault, "receive_card", ssos).state == S.IN_ASSESSMENT


def test_not_settled_case_points_at_the_enrolment_data(card, deans_office):
    from warranty.selectors import case_detail_for_user

    SemesterFactory()
    EnrolmentFactory(holder=card.holder, cycle_code="OLD")
    case = open_case(card, "extension_failure", deans_office, extension_error="not_settled")
    detail = case_detail_for_user(deans_office, case.pk)
    assert "OLD" not in detail.settlement_hint and "CURRENT" in detail.settlement_hint
    assert detail.remedy.steps


def test_case_numbers_count_per_card_kind(unit, deans_office):
    year = timezone.localdate().year
    first = open_case(CardFactory(serving_unit=unit), "damage", deans_office)
    second = open_case(CardFactory(serving_unit=unit), "damage", deans_office)
    teacher = open_case(CardFactory(serving_unit=unit, kind=CardKind.ELN), "lost", deans_office)
    assert [first.number, second.number, teacher.number] == [
        f"ELS/{year}/00001", f"ELS/{year}/00002", f"ELN/{year}/00001"]
