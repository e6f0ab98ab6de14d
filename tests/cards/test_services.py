"""Card actions through the service: rules, refusals, history and side effects."""

import datetime as dt

import pytest

from django.utils import timezone

from cards.errors import ActionForbidden, ActionNotPossible, ActionRefused, CardConflict
from cards.models import Card, CardEvent, CardKind, CardState, EnrolmentStatus, Level
from cards.services import available_actions, card_act
from cards.signals import card_transitioned
from tests.factories import (
    CardFactory,
    EmploymentFactory,
    EnrolmentFactory,
    SemesterFactory,
    SigningCertificateFactory,
    UserFactory,
    written_chip_file,
)

pytestmark = pytest.mark.django_db
S = CardState


@pytest.fixture
def extendable(card):
    """A settled student with a registered certificate and a current semester."""
    SemesterFactory()
    SigningCertificateFactory(unit=card.serving_unit)
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit)
    return card


def act(card, action, actor, **kwargs):
    """`extend` with the file a verified chip write hands over, as the reader bridge does."""
    if action == "extend":
        kwargs.setdefault("written_file", written_chip_file(card))
    return card_act(card_id=card.pk, action=action, actor=actor, source="web", **kwargs)


def history(card):
    return list(card.events.values_list("action", "from_state", "to_state"))


def test_extension_sets_semester_date_and_waits_for_hologram(extendable, deans_office):
    semester = SemesterFactory()
    card = act(extendable, "extend", deans_office)
    assert card.state == S.AWAITING_HOLOGRAM
    assert card.valid_until == semester.card_valid_until
    card = act(card, "confirm_hologram", deans_office, hologram_number="12300001")
    card.refresh_from_db()
    assert card.state == S.ACTIVE
    assert card.hologram_count == 1
    assert history(card) == [
        ("extend", "active", "awaiting_hologram"),
        ("confirm_hologram", "awaiting_hologram", "active"),
    ]
    event = card.events.first()
    assert event.actor == deans_office and event.source == "web"
    assert event.actor_name == deans_office.get_full_name()  # kept if the account goes
    assert event.details["valid_until"] == semester.card_valid_until.isoformat()
    assert event.details["els_sha256"]  # the file written to the chip stays on record


def test_extension_without_a_written_chip_file_is_refused(extendable, deans_office):
    with pytest.raises(ActionRefused, match="(?i)czytnik"):
        card_act(card_id=extendable.pk, action="extend", actor=deans_office, source="api")
    extendable.refresh_from_db()
    assert extendable.state == S.ACTIVE


@pytest.mark.parametrize("changes", [{"chip_serial": "04FFFFFFFFFF"},
                                     {"valid_until": dt.date(2030, 1, 1)}])
def test_extension_with_a_file_for_another_chip_or_date_is_refused(
        extendable, deans_office, changes):
    with pytest.raises(ActionRefused):
        act(extendable, "extend", deans_office, written_file=written_chip_file(extendable,
                                                                              **changes))
    extendable.refresh_from_db()
    assert extendable.state == S.ACTIVE


def test_extension_without_certificate_says_so(card, deans_office):
    SemesterFactory()
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit)
    with pytest.raises(ActionRefused, match="Nie znaleziono certyfikatu do podpisu"):
        act(card, "extend", deans_office)
    card.refresh_from_db()
    assert card.state == S.ACTIVE
    assert not card.events.exists()


def test_revoked_or_expired_certificate_does_not_count(card, deans_office):
    SemesterFactory()
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit)
    SigningCertificateFactory(unit=card.serving_unit, revoked_at=timezone.now())
    SigningCertificateFactory(
        unit=card.serving_unit,
        valid_from=timezone.now() - dt.timedelta(days=800),
        valid_until=timezone.now() - dt.timedelta(days=1),
    )
    with pytest.raises(ActionRefused, match="Nie znaleziono certyfikatu"):
        act(card, "extend", deans_office)


def test_certificate_of_another_unit_does_not_count(card, other_unit, deans_office):
    SemesterFactory()
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit)
    SigningCertificateFactory(unit=other_unit)
    with pytest.raises(ActionRefused, match="Nie znaleziono certyfikatu"):
        act(card, "extend", deans_office)


@pytest.mark.parametrize(
    ("enrolment", "expected"),
    [
        ({"status": EnrolmentStatus.SUSPENDED}, "not registered on any active programme"),
        ({"cycle_code": "2019/20Z"}, "current stage and cycle"),
        ({"next_completion_date": None}, "next completion date"),
        ({"next_completion_date": dt.date(2020, 1, 1)}, "next completion date"),
        ({"level": Level.DOCTORAL}, "not registered on any active programme"),
    ],
)
def test_unsettled_holder_cannot_be_extended(card, deans_office, enrolment, expected, settings):
    settings.LANGUAGE_CODE = "en"
    SemesterFactory()
    SigningCertificateFactory(unit=card.serving_unit)
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit, **enrolment)
    with pytest.raises(ActionRefused) as refused:
        act(card, "extend", deans_office)
    assert f"{card.holder.full_name} nie jest rozliczon" in refused.value.message
    assert expected in refused.value.message


def test_no_semester_in_calendar(card, deans_office):
    SigningCertificateFactory(unit=card.serving_unit)
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit)
    with pytest.raises(ActionRefused, match="(?i)semest"):
        act(card, "extend", deans_office)


def test_already_extended_for_this_semester(extendable, deans_office):
    semester = SemesterFactory()
    Card.objects.filter(pk=extendable.pk).update(valid_until=semester.card_valid_until)
    with pytest.raises(ActionRefused):
        act(extendable, "extend", deans_office)


def test_full_hologram_boxes_need_a_new_card(extendable, deans_office):
    Card.objects.filter(pk=extendable.pk).update(hologram_count=12)
    with pytest.raises(ActionRefused, match="12"):
        act(extendable, "extend", deans_office)


def test_doctoral_card_needs_doctoral_programme(unit, deans_office):
    card = CardFactory(kind=CardKind.ELD, serving_unit=unit)
    SemesterFactory()
    SigningCertificateFactory(unit=unit)
    EnrolmentFactory(holder=card.holder, unit=unit, level=Level.DOCTORAL)
    assert act(card, "extend", deans_office).state == S.AWAITING_HOLOGRAM


def test_teacher_card_needs_current_employment(unit, usos_office):
    card = CardFactory(kind=CardKind.ELN, serving_unit=unit)
    SemesterFactory()
    SigningCertificateFactory(unit=unit)
    EmploymentFactory(holder=card.holder, unit=unit, ended_on=dt.date(2020, 1, 1))
    with pytest.raises(ActionRefused, match="nie jest rozliczony"):
        act(card, "extend", usos_office)
    EmploymentFactory(holder=card.holder, unit=unit)
    assert act(card, "extend", usos_office).state == S.AWAITING_HOLOGRAM


# --- invalidation ---------------------------------------------------------------------


def test_removed_student_is_invalidated_and_corner_cut(card, deans_office):
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit, status=EnrolmentStatus.REMOVED)
    act(card, "decide_invalidation", deans_office, ground="removed_from_list")
    card = act(card, "confirm_corner_cut", deans_office)
    assert card.state == S.INVALIDATED
    assert card.invalidation_ground == "removed_from_list"
    assert [a for a, *_ in history(card)] == ["decide_invalidation", "confirm_corner_cut"]


def test_master_graduate_without_other_status_is_invalidated(card, deans_office):
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit, level=Level.SECOND_CYCLE,
                     status=EnrolmentStatus.GRADUATED)
    card = act(card, "decide_invalidation", deans_office, ground="completed_masters")
    assert card.state == S.PENDING_INVALIDATION


@pytest.mark.parametrize("other_status", [EnrolmentStatus.ACTIVE, EnrolmentStatus.SUSPENDED])
def test_master_graduate_still_studying_elsewhere_is_refused(card, deans_office, other_status):
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit, level=Level.UNIFORM_MASTER,
                     status=EnrolmentStatus.GRADUATED)
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit, status=other_status,
                     programme_name="Filozofia")
    with pytest.raises(ActionRefused, match="Filozofia"):
        act(card, "decide_invalidation", deans_office, ground="completed_masters")
    card.refresh_from_db()
    assert card.state == S.ACTIVE and card.invalidation_ground == ""


def test_first_cycle_graduation_is_not_a_ground(card, deans_office):
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit, level=Level.FIRST_CYCLE,
                     status=EnrolmentStatus.GRADUATED)
    with pytest.raises(ActionRefused):
        act(card, "decide_invalidation", deans_office, ground="completed_masters")


def test_active_student_cannot_be_invalidated_for_removal(card, deans_office):
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit)
    with pytest.raises(ActionRefused):
        act(card, "decide_invalidation", deans_office, ground="removed_from_list")


def test_ground_of_another_card_kind_is_refused(card, deans_office):
    EmploymentFactory(holder=card.holder, unit=card.serving_unit, ended_on=dt.date(2020, 1, 1))
    with pytest.raises(ActionRefused):
        act(card, "decide_invalidation", deans_office, ground="employment_ended")


def test_teacher_card_invalidated_at_end_of_employment(unit, deans_office):
    card = CardFactory(kind=CardKind.ELN, serving_unit=unit)
    EmploymentFactory(holder=card.holder, unit=unit, ended_on=dt.date(2024, 9, 30))
    assert act(card, "decide_invalidation", deans_office,
               ground="employment_ended").state == S.PENDING_INVALIDATION


def test_doctoral_card_invalidated_at_end_of_doctoral_education(unit, deans_office):
    card = CardFactory(kind=CardKind.ELD, serving_unit=unit)
    EnrolmentFactory(holder=card.holder, unit=unit, level=Level.DOCTORAL,
                     status=EnrolmentStatus.GRADUATED)
    assert act(card, "decide_invalidation", deans_office,
               ground="doctoral_ended").state == S.PENDING_INVALIDATION


def test_withdrawn_invalidation_clears_ground(card, deans_office):
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit, status=EnrolmentStatus.REMOVED)
    act(card, "decide_invalidation", deans_office, ground="removed_from_list")
    card = act(card, "withdraw_invalidation", deans_office, note="wrong student")
    assert card.state == S.ACTIVE and card.invalidation_ground == ""


# --- roles and units ------------------------------------------------------------------


@pytest.fixture
def pending(card, deans_office):
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit, status=EnrolmentStatus.REMOVED)
    return act(card, "decide_invalidation", deans_office, ground="removed_from_list")


@pytest.mark.parametrize("who", ["other_deans_office", "ssos", "usos_office", "admin_user",
                                 "outsider"])
def test_only_serving_unit_staff_confirm_corner_cut(pending, who, request):
    with pytest.raises(ActionForbidden):
        act(pending, "confirm_corner_cut", request.getfixturevalue(who))
    pending.refresh_from_db()
    assert pending.state == S.PENDING_INVALIDATION


ROLE_MATRIX = {
    # action: fixtures that may do it on a card of `unit`
    "report_faulty": {"deans_office", "admin_user"},
    "report_lost": {"deans_office", "admin_user"},
    "mark_damaged": {"deans_office", "ssos", "admin_user"},
}


@pytest.mark.parametrize("action", sorted(ROLE_MATRIX))
@pytest.mark.parametrize("who", ["deans_office", "other_deans_office", "ssos", "usos_office",
                                 "admin_user", "outsider"])
def test_role_and_unit_matrix(card, action, who, request):
    actor = request.getfixturevalue(who)
    if who in ROLE_MATRIX[action]:
        assert act(card, action, actor, note="x").state != S.ACTIVE
    else:
        with pytest.raises(ActionForbidden):
            act(card, action, actor, note="x")
        card.refresh_from_db()
        assert card.state == S.ACTIVE


def test_ssos_takes_in_and_returns_or_replaces(card, deans_office, ssos, cards_alone):
    act(card, "report_faulty", deans_office, note="nie wczytuje się w USOS")
    act(card, "hand_to_ssos", ssos)
    card = act(card, "replace", ssos, replacement_reason="warranty",
               new_number="ELS-NEW-1", new_chip_serial="04FFEE0001")
    assert card.state == S.REPLACED
    new = Card.objects.get(number="ELS-NEW-1")
    assert new.replaces == card and new.state == S.ACTIVE and new.holder == card.holder
    assert list(new.events.values_list("action", flat=True)) == ["issue"]


def test_warranty_needs_ssos_intake(card, deans_office, cards_alone):
    act(card, "mark_damaged", deans_office, note="pęknięta")
    with pytest.raises(ActionRefused, match="(?i)duplicate|duplikat"):
        act(card, "replace", deans_office, replacement_reason="warranty",
            new_number="N1", new_chip_serial="04C0FFEEC1")
    card = act(card, "replace", deans_office, replacement_reason="duplicate",
               new_number="N1", new_chip_serial="04C0FFEEC1")
    assert card.state == S.REPLACED


def test_replacement_number_must_be_new(card, deans_office):
    other = CardFactory()
    act(card, "report_lost", deans_office, note="zgubiona w tramwaju")
    with pytest.raises(ActionRefused):
        act(card, "replace", deans_office, replacement_reason="duplicate",
            new_number=other.number, new_chip_serial="04C0FFEE99")
    card.refresh_from_db()
    assert card.state == S.LOST
    assert Card.objects.count() == 2


def test_action_from_wrong_state_is_not_possible(card, ssos):
    with pytest.raises(ActionNotPossible):
        act(card, "hand_to_ssos", ssos)


def test_note_required_where_something_happened(card, deans_office):
    with pytest.raises(ActionRefused):
        act(card, "report_lost", deans_office, note="  ")


def test_stale_screen_gets_conflict(card, deans_office):
    act(card, "report_faulty", deans_office, note="x")
    with pytest.raises(CardConflict):
        act(card, "report_lost", deans_office, note="y", expected_state=S.ACTIVE)


def test_history_cannot_be_changed(card, deans_office):
    act(card, "report_faulty", deans_office, note="x")
    event = CardEvent.objects.get()
    event.reason = "rewritten"
    with pytest.raises(Exception, match="cannot be changed"):
        event.save()
    with pytest.raises(Exception, match="cannot be deleted"):
        event.delete()


def test_signal_sent_only_after_commit(card, deans_office, django_capture_on_commit_callbacks):
    received = []
    card_transitioned.connect(lambda **kw: received.append(kw["action"]), weak=False,
                              dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            act(card, "report_faulty", deans_office, note="x")
        assert received == []
        for callback in callbacks:
            callback()
        assert received == ["report_faulty"]
    finally:
        card_transitioned.disconnect(dispatch_uid="t")


def test_available_actions_explain_refusals(card, deans_office):
    SemesterFactory()
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit)
    options = {o["action"].name: o["refusal"] for o in available_actions(card, deans_office)}
    assert "Nie znaleziono certyfikatu" in options["extend"]
    assert options["report_faulty"] is None
    assert "hand_to_ssos" not in options
    assert options["decide_invalidation"]


def test_holder_sees_no_actions(card):
    user = UserFactory()
    card.holder.user = user
    card.holder.save()
    assert available_actions(card, user) == []


@pytest.mark.parametrize(("female", "pesel", "verb"), [
    (True, True, "nie jest rozliczona"), (False, True, "nie jest rozliczony"),
    (False, False, "nie jest rozliczony/rozliczona"),
])
def test_not_settled_agrees_with_the_holder(extendable, deans_office, female, pesel, verb):
    from cards.pesel import make_pesel

    holder = extendable.holder
    holder.first_name, holder.last_name = ("Anna", "Nowak") if female else ("Jan", "Nowak")
    holder.pesel = make_pesel(dt.date(2002, 5, 4), 7, female=female) if pesel else ""
    holder.save()
    holder.enrolments.update(cycle_code="OLD")
    with pytest.raises(ActionRefused) as refused:
        extendable.refresh_from_db()
        card_act(card_id=extendable.pk, action="extend", actor=deans_office, source="web",
                 written_file=b"x")
    assert refused.value.message.startswith(f"{holder.full_name} {verb}:")
