"""The admin: card actions go through the rules, history stays read-only, PESEL masked."""

from __future__ import annotations

import datetime as dt

import pytest

from django.contrib.admin import helpers
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cards.models import Card, CardEvent, CardKind, CardState, EnrolmentStatus, Level
from cards.services import card_act
from tests.factories import (
    CardFactory,
    EnrolmentFactory,
    HolderFactory,
    SigningCertificateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
S = CardState
CHANGELIST = "admin:cards_card_changelist"


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # messages are asserted by English msgids
    return client


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def run_action(client, action: str, cards, **fields):
    """Choose the action on the change list, then confirm it (with `fields`) if asked."""
    selected = [card.pk for card in cards]
    url = reverse(CHANGELIST)
    first = client.post(url, {"action": action, helpers.ACTION_CHECKBOX_NAME: selected,
                              "index": 0})
    assert first.status_code == 200, "the action asks for confirmation first"
    return client.post(url, {"action": action, helpers.ACTION_CHECKBOX_NAME: selected,
                             "apply": "1", **fields}, follow=True)


def shown_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def states(*cards) -> list[str]:
    return [Card.objects.get(pk=c.pk).state for c in cards]


def test_action_moves_allowed_cards_and_reports_refused_ones(admin_client_, admin_user, unit):
    faulty = CardFactory(serving_unit=unit, number="ELS-1", state=S.REPORTED_FAULTY)
    active = CardFactory(serving_unit=unit, number="ELS-2")
    response = run_action(admin_client_, "act_hand_to_ssos", [faulty, active])
    assert states(faulty, active) == [S.WITH_SSOS, S.ACTIVE]
    event = faulty.events.get()
    assert (event.action, event.source, event.actor) == ("hand_to_ssos", "admin", admin_user)
    assert not active.events.exists()
    text = shown_messages(response)
    assert any("ELS-1" in m and "done" in m for m in text), text
    assert any("ELS-2" in m and "refused" in m and "is not possible" in m for m in text), text
    assert not any("ELS-2" in m and "done" in m for m in text), text


def test_corner_cut_is_refused_to_the_admin_with_the_regulations_reason(admin_client_, unit):
    card = CardFactory(serving_unit=unit, state=S.PENDING_INVALIDATION,
                       invalidation_ground="removed_from_list")
    response = run_action(admin_client_, "act_confirm_corner_cut", [card])
    assert states(card) == [S.PENDING_INVALIDATION]
    assert not card.events.exists()
    assert any("Only staff of the unit that serves the holder" in m
               for m in shown_messages(response))


def test_invalidation_from_admin_checks_the_ground(admin_client_, unit):
    studying = CardFactory(serving_unit=unit, number="ELS-S")
    EnrolmentFactory(holder=studying.holder, status=EnrolmentStatus.ACTIVE)
    removed = CardFactory(serving_unit=unit, number="ELS-R")
    EnrolmentFactory(holder=removed.holder, status=EnrolmentStatus.REMOVED)
    teacher = CardFactory(serving_unit=unit, number="ELN-T", kind=CardKind.ELN)
    response = run_action(admin_client_, "act_decide_invalidation", [studying, removed, teacher],
                          ground="removed_from_list")
    assert states(studying, removed, teacher) == [S.ACTIVE, S.PENDING_INVALIDATION, S.ACTIVE]
    assert removed.events.get().details == {"ground": "removed_from_list"}
    text = " | ".join(shown_messages(response))
    assert "no final removal from the list of students" in text
    assert "A ELN card can be invalidated only on" in text


def test_action_needing_a_note_shows_the_error_and_changes_nothing(admin_client_, unit):
    card = CardFactory(serving_unit=unit)
    response = run_action(admin_client_, "act_report_lost", [card], note="   ")
    assert response.status_code == 200
    assert response.context["form"].errors["note"]
    assert "errornote" in response.content.decode()
    assert states(card) == [S.ACTIVE]
    assert not card.events.exists()
    response = run_action(admin_client_, "act_report_lost", [card], note="skradziona w tramwaju")
    assert states(card) == [S.LOST]
    assert card.events.get().reason == "skradziona w tramwaju"


def test_extension_is_not_offered_in_the_admin_it_is_written_to_the_chip(admin_client_, card):
    actions = admin_client_.get(reverse(CHANGELIST)).context["action_form"].fields["action"]
    names = [name for name, _label in actions.choices]
    assert "act_extend" not in names
    assert "act_report_lost" in names


def test_replacement_is_not_offered_in_bulk(admin_client_, card):
    actions = admin_client_.get(reverse(CHANGELIST)).context["action_form"].fields["action"]
    names = [name for name, _label in actions.choices]
    assert "act_replace" not in names
    assert {"act_report_faulty", "act_hand_to_ssos", "act_confirm_corner_cut"} <= set(names)
    assert "delete_selected" not in names


def test_card_change_form_cannot_set_the_state(admin_client_, card):
    url = reverse("admin:cards_card_change", args=[card.pk])
    page = admin_client_.get(url)
    assert page.status_code == 200
    assert "state" not in page.context["adminform"].form.fields
    response = admin_client_.post(url, {
        "serving_unit": card.serving_unit_id, "state": "lost", "blank_batch": "B-7",
        "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0,
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    card.refresh_from_db()
    assert card.state == S.ACTIVE
    assert card.blank_batch == "B-7"


def test_card_added_in_admin_is_issued_with_history(admin_client_, admin_user, unit):
    holder = HolderFactory()
    response = admin_client_.post(reverse("admin:cards_card_add"), {
        "kind": "ELS", "holder": holder.pk, "serving_unit": unit.pk, "number": "ELS-ADM-1",
        "chip_serial": "04ADM1", "issued_on": "2026-10-01",
        "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0,
    })
    assert response.status_code == 302
    card = Card.objects.get(number="ELS-ADM-1")
    event = card.events.get()
    assert (event.action, event.to_state, event.source, event.actor) == (
        "issue", "active", "admin", admin_user)


def test_duplicate_card_number_is_a_form_error(admin_client_, card, unit):
    response = admin_client_.post(reverse("admin:cards_card_add"), {
        "kind": "ELS", "holder": card.holder_id, "serving_unit": unit.pk, "number": card.number,
        "chip_serial": "04NEW", "issued_on": "2026-10-01",
        "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0,
    })
    assert response.status_code == 200
    assert "number" in response.context["adminform"].form.errors
    assert Card.objects.count() == 1


# --- history is read-only -------------------------------------------------------------

@pytest.fixture
def event(card, deans_office):
    card_act(card_id=card.pk, action="report_faulty", actor=deans_office, source="web",
             note="nie działa")
    return card.events.get()


def test_card_history_cannot_be_added_changed_or_deleted(admin_client_, event):
    assert admin_client_.get(reverse("admin:cards_cardevent_add")).status_code == 403
    change_url = reverse("admin:cards_cardevent_change", args=[event.pk])
    assert admin_client_.get(change_url).status_code == 200  # view only
    response = admin_client_.post(change_url, {"reason": "poprawione", "action": "x"})
    assert response.status_code == 403
    delete_url = reverse("admin:cards_cardevent_delete", args=[event.pk])
    assert admin_client_.post(delete_url, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.reason == "nie działa"
    assert CardEvent.objects.count() == 1


def test_card_page_shows_history_read_only(admin_client_, event):
    page = admin_client_.get(reverse("admin:cards_card_change", args=[event.card_id]))
    inline = page.context["inline_admin_formsets"][0]
    assert inline.opts.model is CardEvent
    assert not inline.has_add_permission and not inline.has_change_permission
    assert "nie działa" in page.content.decode()


# --- other models ---------------------------------------------------------------------

def test_holder_list_and_form_show_pesel_masked(admin_client_, card):
    holder = card.holder
    listing = admin_client_.get(reverse("admin:cards_holder_changelist"))
    form = admin_client_.get(reverse("admin:cards_holder_change", args=[holder.pk]))
    for page in (listing, form):
        assert page.status_code == 200
        assert holder.pesel not in page.content.decode()
        assert holder.masked_pesel in page.content.decode()


def test_holder_search_by_pesel_and_album(admin_client_, card):
    url = reverse("admin:cards_holder_changelist")
    for term in (card.holder.pesel, card.holder.album_number, card.holder.last_name):
        assert list(admin_client_.get(url, {"q": term}).context["cl"].result_list) == [card.holder]


def test_saving_a_holder_keeps_the_pesel_when_left_empty(admin_client_, card):
    holder = card.holder
    pesel = holder.pesel
    response = admin_client_.post(reverse("admin:cards_holder_change", args=[holder.pk]), {
        "first_name": "Anna", "last_name": holder.last_name, "pesel": "",
        "album_number": holder.album_number,
        "enrolments-TOTAL_FORMS": 0, "enrolments-INITIAL_FORMS": 0,
        "employments-TOTAL_FORMS": 0, "employments-INITIAL_FORMS": 0,
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    holder.refresh_from_db()
    assert (holder.first_name, holder.pesel) == ("Anna", pesel)


def test_invalid_pesel_is_refused(admin_client_, card):
    response = admin_client_.post(reverse("admin:cards_holder_change", args=[card.holder_id]), {
        "first_name": "Jan", "last_name": "Nowak", "pesel": "12345678901",
        "enrolments-TOTAL_FORMS": 0, "enrolments-INITIAL_FORMS": 0,
        "employments-TOTAL_FORMS": 0, "employments-INITIAL_FORMS": 0,
    })
    assert response.status_code == 200
    assert "pesel" in response.context["adminform"].form.errors


def test_certificates_filter_by_usability(admin_client_, unit):
    usable = SigningCertificateFactory(unit=unit, serial_number="GOOD")
    SigningCertificateFactory(unit=unit, serial_number="REVOKED", revoked_at=timezone.now())
    SigningCertificateFactory(unit=unit, serial_number="OLD",
                              valid_from=timezone.now() - dt.timedelta(days=800),
                              valid_until=timezone.now() - dt.timedelta(days=400))
    url = reverse("admin:cards_signingcertificate_changelist")

    def serials(**params):
        result = admin_client_.get(url, params).context["cl"].result_list
        return {c.serial_number for c in result}

    assert serials(usable="yes") == {"GOOD"}
    assert serials(usable="no") == {"REVOKED", "OLD"}
    assert serials(unit__id__exact=unit.pk) == {"GOOD", "REVOKED", "OLD"}
    assert admin_client_.get(url).context["cl"].result_list.get(pk=usable.pk).is_usable


@pytest.mark.parametrize("model", ["unit", "semester", "signingcertificate", "holder", "card",
                                   "cardevent"])
def test_admin_pages_open(admin_client_, model, card):
    EnrolmentFactory(holder=card.holder, level=Level.FIRST_CYCLE)
    assert admin_client_.get(reverse(f"admin:cards_{model}_changelist")).status_code == 200


def test_staff_without_superuser_rights_gets_the_policy_refusal(client, card, unit):
    """A dean's-office clerk with admin access is still bound by unit scoping."""
    from django.contrib.auth.models import Permission

    clerk = UserFactory(roles=["dziekanat"], units=[], is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_card",
                                                                        "change_card"]))
    client.force_login(clerk)
    response = run_action(client, "act_report_lost", [card], note="zgubiona")
    assert states(card) == [S.ACTIVE]
    assert any("served by another unit" in m for m in shown_messages(response))


@pytest.mark.parametrize("model", ["card", "cardevent"])
def test_change_list_query_count_does_not_grow_with_rows(admin_client_, unit, deans_office,
                                                         model, django_assert_num_queries):
    url = reverse(f"admin:cards_{model}_changelist")

    def add_cards(count):
        for card in CardFactory.create_batch(count, serving_unit=unit):
            card_act(card_id=card.pk, action="report_faulty", actor=deans_office, source="web",
                     note="nie działa")

    add_cards(3)
    with CaptureQueriesContext(connection) as few:
        assert admin_client_.get(url).status_code == 200
    few_rows = len(few)  # read now: every request resets the connection's log
    add_cards(27)
    with django_assert_num_queries(few_rows):
        assert len(admin_client_.get(url).context["cl"].result_list) == 30
