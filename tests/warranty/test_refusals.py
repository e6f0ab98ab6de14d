"""Every refusal says why and changes nothing."""

from __future__ import annotations

import pytest

from django.utils import timezone

from cards.errors import ActionForbidden, ActionNotPossible, ActionRefused, CardConflict
from cards.models import CardState
from tests.factories import CardFactory
from tests.warranty.helpers import CLEAN, DIRTY, act, open_case
from warranty.models import Assessment, Case, CaseEvent, CaseState, Notification
from warranty.services import (
    available_steps,
    case_comment_add,
    case_record_attempt,
    payment_mark_paid,
    payment_refund,
)

pytestmark = pytest.mark.django_db
S = CaseState


@pytest.fixture
def assessed(card, deans_office, ssos):
    case = open_case(card, "fault", deans_office)
    return act(case, "receive_card", ssos)


@pytest.mark.parametrize("defect", ["broken", "bent", "cracked", "chip_damaged",
                                    "chip_dirty_or_worn"])
def test_no_warranty_for_a_damaged_or_dirty_card(assessed, ssos, defect):
    with pytest.raises(ActionRefused, match="(?i)duplikat|duplicate"):
        act(assessed, "approve_warranty", ssos, checklist={**CLEAN, defect: True})
    assessed.refresh_from_db()
    assert assessed.state == S.IN_ASSESSMENT
    assert not Assessment.objects.exists()


def test_other_defect_needs_a_description(assessed, ssos):
    with pytest.raises(ActionRefused):
        act(assessed, "require_duplicate", ssos, checklist={**CLEAN, "other": True})
    act(assessed, "require_duplicate", ssos,
        checklist={**CLEAN, "other": True, "other_note": "rozwarstwiona"})


def test_no_paid_duplicate_for_a_clean_card(assessed, ssos):
    with pytest.raises(ActionRefused, match="(?i)gwarancj|warranty"):
        act(assessed, "require_duplicate", ssos, checklist=CLEAN)
    assessed.refresh_from_db()
    assert assessed.card.state == CardState.WITH_SSOS


def test_assessment_needs_the_checklist(assessed, ssos):
    with pytest.raises(ActionRefused):
        act(assessed, "approve_warranty", ssos)


def test_duplicate_not_printed_before_payment(card, deans_office):
    case = open_case(card, "damage", deans_office)
    with pytest.raises(ActionRefused, match="33"):
        act(case, "order_duplicate", deans_office)
    case.refresh_from_db()
    assert case.state == S.PAYMENT_DUE
    # the page shows the step with the reason why it cannot be taken yet
    steps = {s["transition"].name: s["refusal"] for s in available_steps(case, deans_office)}
    assert "33" in steps["order_duplicate"]


def test_hand_over_refused_before_payment_and_after_refund(card, deans_office):
    case = open_case(card, "lost", deans_office)
    with pytest.raises(ActionNotPossible):
        act(case, "hand_over", deans_office, new_number="N", new_chip_serial="04A1B2C3")
    payment_mark_paid(case_id=case.pk, actor=deans_office, source="web", reference="R",
                      paid_on=timezone.localdate())
    case = act(case, "order_duplicate", deans_office)
    case = act(case, "mark_ready", deans_office)
    payment_refund(case_id=case.pk, actor=deans_office, source="web", reason="błędna wpłata")
    with pytest.raises(ActionRefused, match="(?i)zwr|refund|paid|opłac"):
        act(case, "hand_over", deans_office, new_number="N", new_chip_serial="04A1B2C3")
    case.refresh_from_db()
    assert case.state == S.READY_FOR_PICKUP and case.card.state == CardState.LOST


def test_dean_office_of_another_unit_cannot_act(card, deans_office, other_deans_office):
    case = open_case(card, "damage", deans_office)
    with pytest.raises(ActionForbidden, match="(?i)jednost|unit"):
        act(case, "order_duplicate", other_deans_office)
    with pytest.raises(ActionForbidden):
        payment_mark_paid(case_id=case.pk, actor=other_deans_office, source="web",
                          reference="R", paid_on=timezone.localdate())
    with pytest.raises(ActionForbidden):
        case_comment_add(case_id=case.pk, actor=other_deans_office, body="x")


def test_dean_office_cannot_open_a_case_for_another_unit(card, other_deans_office):
    with pytest.raises(ActionForbidden):
        open_case(card, "fault", other_deans_office)
    assert not Case.objects.exists()
    card.refresh_from_db()
    assert card.state == CardState.ACTIVE


def test_holder_cannot_act(card, deans_office, holder_user):
    case = open_case(card, "damage", deans_office)
    with pytest.raises(ActionForbidden, match="(?i)posiadacz|holder|śledzić|follow"):
        act(case, "order_duplicate", holder_user)
    with pytest.raises(ActionForbidden):
        case_comment_add(case_id=case.pk, actor=holder_user, body="kiedy?")
    with pytest.raises(ActionForbidden):
        open_case(CardFactory(holder=card.holder, serving_unit=card.serving_unit), "lost",
                  holder_user)
    assert available_steps(case, holder_user) == []


def test_dean_office_cannot_assess(assessed, deans_office):
    with pytest.raises(ActionForbidden):
        act(assessed, "approve_warranty", deans_office, checklist=CLEAN)


def test_usos_office_cannot_record_intake(card, deans_office, usos_office):
    case = open_case(card, "fault", deans_office)
    with pytest.raises(ActionForbidden):
        act(case, "receive_card", usos_office)


def test_step_from_the_wrong_state_is_not_possible(card, deans_office, ssos):
    case = open_case(card, "fault", deans_office)
    with pytest.raises(ActionNotPossible):
        act(case, "approve_warranty", ssos, checklist=CLEAN)
    with pytest.raises(ActionNotPossible):
        act(case, "confirm_corner_cut", deans_office)  # another kind's step


def test_stale_screen_gets_a_conflict(assessed, ssos):
    act(assessed, "require_duplicate", ssos, checklist=DIRTY)
    with pytest.raises(CardConflict):
        act(assessed, "approve_warranty", ssos, checklist=CLEAN,
            expected_state=S.IN_ASSESSMENT)


def test_one_open_case_per_card(card, deans_office):
    first = open_case(card, "extension_failure", deans_office, extension_error="no_certificate")
    with pytest.raises(ActionRefused, match=first.number.replace("/", "/")):
        open_case(card, "fault", deans_office)
    assert Case.objects.count() == 1


@pytest.mark.parametrize(("kind", "kwargs"), [
    ("fault", {"note": ""}),
    ("extension_failure", {"extension_error": "made_up"}),
    ("invalidation", {"ground": ""}),
    ("nonsense", {}),
])
def test_bad_input_opens_nothing(card, deans_office, kind, kwargs):
    with pytest.raises(ActionRefused):
        open_case(card, kind, deans_office, **kwargs)
    assert not Case.objects.exists() and not Notification.objects.exists()


def test_card_rule_refusal_rolls_the_case_back(card, deans_office):
    # an active student has no invalidation ground: the card refuses, no case remains
    with pytest.raises(ActionRefused):
        open_case(card, "invalidation", deans_office, ground="removed_from_list")
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_hand_over_needs_a_new_card_number(card, deans_office, ssos):
    case = open_case(card, "fault", deans_office)
    for step, params in [("receive_card", {}), ("approve_warranty", {"checklist": CLEAN}),
                         ("order_replacement", {}), ("mark_ready", {})]:
        case = act(case, step, ssos, **params)
    with pytest.raises(ActionRefused):
        act(case, "hand_over", ssos, new_number="", new_chip_serial="")
    existing = CardFactory()
    with pytest.raises(ActionRefused):
        act(case, "hand_over", ssos, new_number=existing.number, new_chip_serial="04AB12CD34")
    case.refresh_from_db()
    assert case.state == S.READY_FOR_PICKUP


def test_attempts_only_on_open_extension_failures(card, deans_office):
    case = open_case(card, "damage", deans_office)
    with pytest.raises(ActionNotPossible):
        case_record_attempt(case_id=case.pk, actor=deans_office, source="web", succeeded=True)


def test_payment_needs_reference_and_a_real_date(card, deans_office):
    import datetime as dt

    case = open_case(card, "damage", deans_office)
    with pytest.raises(ActionRefused):
        payment_mark_paid(case_id=case.pk, actor=deans_office, source="web", reference=" ",
                          paid_on=timezone.localdate())
    with pytest.raises(ActionRefused):
        payment_mark_paid(case_id=case.pk, actor=deans_office, source="web", reference="R",
                          paid_on=timezone.localdate() + dt.timedelta(days=1))
    case.refresh_from_db()
    assert case.payment.status == "due"


def test_a_refund_after_printing_is_no_dead_end(card, deans_office):
    case = open_case(card, "lost", deans_office)
    payment_mark_paid(case_id=case.pk, actor=deans_office, source="web", reference="R1",
                      paid_on=timezone.localdate())
    case = act(act(case, "order_duplicate", deans_office), "mark_ready", deans_office)
    payment_refund(case_id=case.pk, actor=deans_office, source="web", reason="błędna wpłata")

    payment_mark_paid(case_id=case.pk, actor=deans_office, source="web", reference="R2",
                      paid_on=timezone.localdate())
    case = act(case, "hand_over", deans_office, new_number="ELS-NEW-9",
               new_chip_serial="04A1B2C3D4E5F6")

    assert case.state == S.HANDED_OVER
    assert case.payment.reference == "R2"


@pytest.mark.parametrize("serial", ["xyz", "04FF01", "04 A1 B2 C3 D4 E5 F6 07 08 09 0A"])
def test_hand_over_refuses_what_is_not_a_chip_serial(card, deans_office, serial):
    case = open_case(card, "lost", deans_office)
    payment_mark_paid(case_id=case.pk, actor=deans_office, source="web", reference="R",
                      paid_on=timezone.localdate())
    case = act(act(case, "order_duplicate", deans_office), "mark_ready", deans_office)

    with pytest.raises(ActionRefused, match="szesnastkow"):
        act(case, "hand_over", deans_office, new_number="ELS-NEW-9", new_chip_serial=serial)
    case.refresh_from_db()
    assert case.state == S.READY_FOR_PICKUP


def test_hand_over_stores_the_serial_as_the_reader_reports_it(card, deans_office):
    case = open_case(card, "lost", deans_office)
    payment_mark_paid(case_id=case.pk, actor=deans_office, source="web", reference="R",
                      paid_on=timezone.localdate())
    case = act(act(case, "order_duplicate", deans_office), "mark_ready", deans_office)

    case = act(case, "hand_over", deans_office, new_number="ELS-NEW-9",
               new_chip_serial="04:a1:b2:c3:d4:e5:f6")

    assert case.new_card.chip_serial == "04A1B2C3D4E5F6"
