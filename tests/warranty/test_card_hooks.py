"""Cards moved directly on the card page: cases open, follow, or refuse in the same
transaction."""

from __future__ import annotations

import pytest

from django.core import mail
from django.utils import timezone

from cards.errors import ActionRefused
from cards.models import CardState
from cards.services import card_act
from tests.factories import EnrolmentFactory
from tests.warranty.helpers import CLEAN, act, open_case
from warranty.models import Case, CaseState
from warranty.services import payment_mark_paid

pytestmark = pytest.mark.django_db
S = CaseState


def move(card, action, actor, **kwargs):
    kwargs.setdefault("note", "z karty")
    return card_act(card_id=card.pk, action=action, actor=actor, source="web", **kwargs)


def test_report_not_working_on_the_card_page_opens_a_fault_case(
        card, deans_office, ssos, run_on_commit):
    with run_on_commit():
        move(card, "report_faulty", deans_office, note="nie wczytuje się")
    case = Case.objects.get(card=card)
    assert case.kind == "fault" and case.state == S.AWAITING_CARD
    assert case.description == "nie wczytuje się" and case.opened_by == deans_office
    assert "ssos@example.edu" in [a for m in mail.outbox for a in m.to]


def test_case_follows_intake_on_the_card_page(card, deans_office, ssos):
    move(card, "report_faulty", deans_office)
    move(card, "hand_to_ssos", ssos)
    case = Case.objects.get(card=card)
    assert case.state == S.IN_ASSESSMENT and case.card_received_by == ssos
    assert Case.objects.count() == 1


@pytest.mark.parametrize(("action", "kind"), [("mark_damaged", "damage"), ("report_lost", "lost")])
def test_direct_damage_or_loss_opens_a_paid_duplicate_case(card, deans_office, action, kind):
    move(card, action, deans_office)
    case = Case.objects.get(card=card)
    assert case.kind == kind and case.state == S.PAYMENT_DUE and case.payment.status == "due"


def test_direct_replace_before_payment_is_refused_and_rolled_back(card, deans_office):
    move(card, "mark_damaged", deans_office)
    with pytest.raises(ActionRefused):
        move(card, "replace", deans_office, replacement_reason="duplicate", new_number="N1",
             new_chip_serial="04C0FFEEC1")
    card.refresh_from_db()
    assert card.state == CardState.DAMAGED and not card.__class__.objects.filter(
        number="N1").exists()


def test_direct_replace_at_hand_over_closes_the_case(card, deans_office):
    case = open_case(card, "damage", deans_office)
    payment_mark_paid(case_id=case.pk, actor=deans_office, source="web", reference="R",
                      paid_on=timezone.localdate())
    act(case, "order_duplicate", deans_office)
    act(case, "mark_ready", deans_office)
    move(card, "replace", deans_office, replacement_reason="duplicate", new_number="N2",
         new_chip_serial="04C0FFEEC2")
    case.refresh_from_db()
    assert case.state == S.HANDED_OVER and case.new_card.number == "N2"


def test_warranty_replace_without_assessment_is_refused(card, deans_office, ssos):
    move(card, "report_faulty", deans_office)
    move(card, "hand_to_ssos", ssos)
    with pytest.raises(ActionRefused, match=r"ELS/\d{4}/00001"):
        move(card, "replace", ssos, replacement_reason="warranty", new_number="N3",
             new_chip_serial="04C0FFEEC3")
    case = Case.objects.get(card=card)
    act(case, "approve_warranty", ssos, checklist=CLEAN)


def test_card_reported_lost_during_a_fault_case(card, deans_office):
    move(card, "report_faulty", deans_office)
    move(card, "report_lost", deans_office, note="zgubiona w drodze do SSOS")
    fault = Case.objects.get(kind="fault")
    lost = Case.objects.get(kind="lost")
    assert fault.state == S.CANCELLED and lost.state == S.PAYMENT_DUE


def test_direct_corner_cut_closes_the_invalidation_case(card, deans_office):
    EnrolmentFactory(holder=card.holder, status="removed")
    move(card, "decide_invalidation", deans_office, ground="removed_from_list")
    case = Case.objects.get(card=card)
    assert case.kind == "invalidation" and case.invalidation_ground == "removed_from_list"
    move(card, "confirm_corner_cut", deans_office)
    case.refresh_from_db()
    assert case.state == S.CARD_RETURNED


def test_moves_driven_by_a_case_open_no_second_case(card, deans_office):
    open_case(card, "fault", deans_office)
    assert Case.objects.count() == 1


def test_damage_found_during_an_extension_failure_replaces_the_case(card, deans_office):
    case = open_case(card, "extension_failure", deans_office, extension_error="no_certificate")
    move(card, "mark_damaged", deans_office)  # the card turned out damaged after all
    case.refresh_from_db()
    assert case.state == S.CANCELLED
    assert Case.objects.get(kind="damage").state == S.PAYMENT_DUE


def test_card_marked_damaged_during_a_fault_case_needs_a_duplicate(card, deans_office, ssos):
    case = open_case(card, "fault", deans_office)
    move(card, "mark_damaged", deans_office, note="pęknięta, widać po odebraniu")
    case.refresh_from_db()
    assert case.state == S.PAYMENT_DUE and case.payment.amount == 33
    assert Case.objects.count() == 1
