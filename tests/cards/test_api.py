"""The cards REST API: who sees what, how actions and their refusals come back."""

from __future__ import annotations

from io import StringIO

import pytest

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from rest_framework.test import APIClient

from cards import hooks
from cards.errors import ActionRefused
from cards.models import Card, CardKind, CardState, EnrolmentStatus, Level
from cards.services import card_act
from legitymacje.tokens import create_token
from tests.factories import (
    CardFactory,
    EnrolmentFactory,
    HolderFactory,
    SemesterFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
S = CardState

# The cards API alone, for the schema test: other apps' endpoints answer for their own.
urlpatterns = [path("api/", include("cards.api_urls"))]


def english_client(**defaults) -> APIClient:
    """Messages are asserted by their English msgids; Polish is the site's default."""
    return APIClient(HTTP_ACCEPT_LANGUAGE="en", **defaults)


def api_as(user) -> APIClient:
    client = english_client()
    client.force_authenticate(user)
    return client


def card_numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


def transition(user, card, **body):
    return api_as(user).post(reverse("card-transition", args=[card.pk]), body, format="json")


def events_of(card) -> list[tuple[str, str, str]]:
    return list(card.events.values_list("action", "from_state", "to_state"))


@pytest.fixture
def holder_user(db):
    return UserFactory(username="student")


@pytest.fixture
def cards(unit, other_unit, holder_user):
    """Two cards of the unit, one of the other unit, one of the other unit held by
    `holder_user`."""
    return {
        "ours": CardFactory(serving_unit=unit, number="ELS-A"),
        "ours_lost": CardFactory(serving_unit=unit, number="ELS-B", state=S.LOST,
                                 kind=CardKind.ELD),
        "theirs": CardFactory(serving_unit=other_unit, number="ELS-C"),
        "own": CardFactory(serving_unit=other_unit, number="ELS-D",
                           holder=HolderFactory(user=holder_user)),
    }


# --- visibility -------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "expected"), [
    ("deans_office", {"ELS-A", "ELS-B"}),
    ("other_deans_office", {"ELS-C", "ELS-D"}),
    ("ssos", {"ELS-A", "ELS-B", "ELS-C", "ELS-D"}),
    ("holder_user", {"ELS-D"}),
    ("outsider", set()),
])
def test_list_shows_only_cards_the_caller_may_see(request, cards, who, expected):
    user = request.getfixturevalue(who)
    assert card_numbers(api_as(user).get(reverse("card-list"))) == expected


def test_list_filters(deans_office, cards):
    client = api_as(deans_office)
    url = reverse("card-list")
    assert card_numbers(client.get(url, {"state": "lost"})) == {"ELS-B"}
    assert card_numbers(client.get(url, {"kind": "ELD"})) == {"ELS-B"}
    assert card_numbers(client.get(url, {"unit": "wmi"})) == {"ELS-A", "ELS-B"}
    assert card_numbers(client.get(url, {"unit": "WPiA"})) == set()
    album = cards["ours"].holder.album_number
    assert card_numbers(client.get(url, {"album_number": album})) == {"ELS-A"}
    assert card_numbers(client.get(url, {"q": cards["ours_lost"].holder.last_name})) == {"ELS-B"}


def test_list_rejects_unknown_filter_value(deans_office, cards):
    response = api_as(deans_office).get(reverse("card-list"), {"state": "burnt"})
    assert response.status_code == 400
    assert "state" in response.json()["detail"]


def test_list_row_shape(deans_office, cards):
    card = cards["ours"]
    rows = api_as(deans_office).get(reverse("card-list"), {"q": "ELS-A"}).json()["results"]
    assert rows == [{
        "id": card.pk, "kind": "ELS", "kind_label": str(CardKind.ELS.label), "number": "ELS-A",
        "chip_serial": card.chip_serial, "state": "active", "state_label": str(S.ACTIVE.label),
        "valid_until": card.valid_until.isoformat(), "issued_on": card.issued_on.isoformat(),
        "hologram_count": 0, "invalidation_ground": "",
        "serving_unit": {"id": card.serving_unit_id, "code": "WMI",
                         "name": "Wydział Matematyki i Informatyki"},
        "holder": {"id": card.holder_id, "full_name": card.holder.full_name,
                   "album_number": card.holder.album_number, "employee_number": "",
                   "masked_pesel": card.holder.masked_pesel},
        "replaces_id": None, "replacement_id": None,
    }]


def test_detail_of_an_invisible_card_is_404(other_deans_office, outsider, card):
    for user in (other_deans_office, outsider):
        assert api_as(user).get(reverse("card-detail", args=[card.pk])).status_code == 404
        assert transition(user, card, action="report_faulty", note="x").status_code == 404
    card.refresh_from_db()
    assert card.state == S.ACTIVE


def test_holder_sees_own_card_as_the_holder_pages_show_it(holder_user, other_deans_office,
                                                          cards):
    own, deans_office = cards["own"], other_deans_office
    deans_office.first_name, deans_office.last_name = "Urszula", "Urzędnicza"
    deans_office.save()
    card_act(card_id=own.pk, action="report_faulty", actor=deans_office, source="api",
             note="notatka dla biura")
    response = api_as(holder_user).get(reverse("card-detail", args=[own.pk]))
    listed = api_as(holder_user).get(reverse("card-list")).json()["results"]

    assert response.status_code == 200
    body = response.json()
    assert listed == [body]
    assert set(body) == {"id", "kind", "kind_label", "number", "state", "state_label",
                         "valid_until", "history"}
    assert [e["to_state"] for e in body["history"]][-1] == "reported_faulty"
    for private in ("Urszula", "Urzędnicza", deans_office.username, "notatka", own.chip_serial):
        assert private not in response.content.decode()


def test_detail_lists_actions_with_the_rules_verdict(deans_office, card):
    response = api_as(deans_office).get(reverse("card-detail", args=[card.pk]))
    options = {o["name"]: o for o in response.json()["available_transitions"]}
    # No signing certificate is registered for the unit: USOS's own words explain why.
    assert options["extend"]["possible"] is False
    assert "Nie znaleziono certyfikatu do podpisu" in options["extend"]["refusal"]
    assert options["report_faulty"] == {
        "name": "report_faulty", "label": options["report_faulty"]["label"],
        "help": options["report_faulty"]["help"], "params": [], "note_required": True,
        "possible": True, "refusal": None,
    }
    assert options["decide_invalidation"]["params"] == [
        {"name": "ground", "choices": ["removed_from_list", "completed_masters"]}]
    # SSOS-only and state-impossible actions are not offered at all.
    assert "hand_to_ssos" not in options
    assert "confirm_hologram" not in options


# --- transitions ------------------------------------------------------------------------

@pytest.fixture
def cards_alone(monkeypatch):
    """No other app's transition hooks: the cards API on its own. (With the warranty app,
    a fault report opens a case and the exchange is handed over through it; the case
    flow has its own tests.)"""
    monkeypatch.setattr(hooks, "_hooks", [])


def test_happy_path_fault_to_warranty_exchange(cards_alone, deans_office, ssos, card):
    response = transition(deans_office, card, action="report_faulty",
                          note="Nie wczytuje się w czytniku", expected_state="active")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "reported_faulty"

    response = transition(ssos, card, action="hand_to_ssos", expected_state="reported_faulty")
    assert response.json()["state"] == "with_ssos"

    response = transition(ssos, card, action="replace", replacement_reason="warranty",
                          new_number="ELS-NEW-1", new_chip_serial="04FFEE0011")
    assert response.status_code == 200, response.content
    body = response.json()
    new_card = Card.objects.get(number="ELS-NEW-1")
    assert body["state"] == "replaced"
    assert body["replacement_id"] == new_card.pk
    assert new_card.replaces_id == card.pk and new_card.state == S.ACTIVE
    assert [(e["action"], e["from_state"], e["to_state"], e["who"], e["source"])
            for e in body["history"]] == [
        ("report_faulty", "active", "reported_faulty", deans_office.get_full_name(), "api"),
        ("hand_to_ssos", "reported_faulty", "with_ssos", ssos.get_full_name(), "api"),
        ("replace", "with_ssos", "replaced", ssos.get_full_name(), "api"),
    ]
    assert body["history"][0]["reason"] == "Nie wczytuje się w czytniku"
    assert body["history"][2]["details"]["replacement_reason"] == "warranty"
    new_detail = api_as(ssos).get(reverse("card-detail", args=[new_card.pk])).json()
    assert new_detail["replaces_id"] == card.pk


def assert_unchanged(card, state=S.ACTIVE):
    card.refresh_from_db()
    assert card.state == state
    assert events_of(card) == []


@pytest.mark.parametrize(("body", "field"), [
    ({"action": "melt"}, "action"),
    ({"action": "decide_invalidation"}, "ground"),
    ({"action": "decide_invalidation", "ground": "bored"}, "ground"),
    ({"action": "report_lost", "note": "  "}, "note"),
    ({"action": "mark_found", "ground": "removed_from_list"}, "ground"),
    ({"action": "report_faulty", "note": "x", "expected_state": "broken"}, "expected_state"),
    ({"action": "replace", "replacement_reason": "warranty", "new_number": "N" * 31,
      "new_chip_serial": "X"}, "new_number"),
])
def test_invalid_input_is_400_naming_the_field(deans_office, card, body, field):
    response = transition(deans_office, card, **body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["detail"]
    assert_unchanged(card)


def test_rule_refusal_is_400_with_the_rules_reason(deans_office, card):
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit, level=Level.FIRST_CYCLE,
                     status=EnrolmentStatus.ACTIVE)
    response = transition(deans_office, card, action="decide_invalidation",
                          ground="removed_from_list")
    assert response.status_code == 400
    assert response.json()["code"] == "refused"
    assert "no final removal from the list of students" in response.json()["detail"]
    assert_unchanged(card)


def test_a_refusing_hook_rolls_the_move_back(deans_office, card, monkeypatch):
    def refuse(**kwargs):
        raise ActionRefused("Sprawa w toku: najpierw ocena SSOS.")

    monkeypatch.setattr(hooks, "_hooks", [refuse])
    response = transition(deans_office, card, action="report_faulty", note="nie działa")
    assert response.status_code == 400
    assert response.json() == {"code": "refused", "detail": "Sprawa w toku: najpierw ocena SSOS."}
    assert_unchanged(card)


def test_wrong_role_is_403(ssos, card):
    response = transition(ssos, card, action="report_faulty", note="nie działa")
    assert response.status_code == 403
    assert response.json() == {"code": "forbidden",
                               "detail": "Your role does not allow this action."}
    assert_unchanged(card)


def test_holder_may_not_act_on_own_card(holder_user, cards):
    response = transition(holder_user, cards["own"], action="report_lost", note="zgubiona")
    assert response.status_code == 403
    assert_unchanged(cards["own"])


def test_impossible_in_this_state_is_409(ssos, card):
    response = transition(ssos, card, action="hand_to_ssos")
    assert response.status_code == 409
    assert response.json()["code"] == "not_possible"
    assert "Take in at SSOS" in response.json()["detail"]
    assert_unchanged(card)


def test_stale_expected_state_is_409_conflict(deans_office, card):
    response = transition(deans_office, card, action="report_faulty", note="x",
                          expected_state="awaiting_hologram")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert_unchanged(card)


def test_transition_is_post_only(deans_office, card):
    response = api_as(deans_office).get(reverse("card-transition", args=[card.pk]))
    assert response.status_code == 405


# --- holders and units ------------------------------------------------------------------

def test_holder_detail_visibility(deans_office, other_deans_office, holder_user, outsider, cards):
    own_holder = cards["own"].holder
    served = cards["ours"].holder
    url = reverse("holder-detail", args=[served.pk])
    assert api_as(deans_office).get(url).status_code == 200
    assert api_as(other_deans_office).get(url).status_code == 404
    assert api_as(holder_user).get(url).status_code == 404
    assert api_as(outsider).get(url).status_code == 404
    own = api_as(holder_user).get(reverse("holder-detail", args=[own_holder.pk]))
    assert [c["number"] for c in own.json()["cards"]] == ["ELS-D"]


def test_holder_detail_shows_only_visible_cards_and_enrolments(deans_office, unit, other_unit):
    holder = HolderFactory()
    CardFactory(holder=holder, serving_unit=other_unit, number="ELS-OLD", state=S.REPLACED)
    CardFactory(holder=holder, serving_unit=unit, number="ELS-NOW")
    EnrolmentFactory(holder=holder, unit=unit, programme_name="Informatyka")
    body = api_as(deans_office).get(reverse("holder-detail", args=[holder.pk])).json()
    assert [c["number"] for c in body["cards"]] == ["ELS-NOW"]
    assert [e["programme_name"] for e in body["enrolments"]] == ["Informatyka"]
    assert body["masked_pesel"] == holder.masked_pesel


def test_dean_sees_enrolled_holder_without_a_card_yet(deans_office, unit):
    holder = EnrolmentFactory(unit=unit).holder
    response = api_as(deans_office).get(reverse("holder-detail", args=[holder.pk]))
    assert response.status_code == 200
    assert response.json()["cards"] == []


def test_units_list(outsider, unit, other_unit):
    body = api_as(outsider).get(reverse("unit-list")).json()
    assert [u["code"] for u in body] == ["WMI", "WPiA"]


# --- PESEL, authentication --------------------------------------------------------------

def test_pesel_never_leaves_the_server_in_full(deans_office, ssos, card):
    pesel = card.holder.pesel
    assert len(pesel) == 11
    responses = [
        api_as(deans_office).get(reverse("card-list")),
        api_as(deans_office).get(reverse("card-list"), {"q": card.holder.last_name}),
        api_as(deans_office).get(reverse("card-detail", args=[card.pk])),
        api_as(deans_office).get(reverse("holder-detail", args=[card.holder_id])),
        transition(deans_office, card, action="report_faulty", note=f"PESEL {pesel[:3]}"),
        transition(ssos, card, action="hand_to_ssos"),
    ]
    for response in responses:
        assert response.status_code == 200, response.content
        assert pesel not in response.content.decode()
        assert card.holder.masked_pesel in response.content.decode()


def test_token_authentication(deans_office, card):
    out = StringIO()
    call_command("create_api_token", deans_office.username, stdout=out)
    client = english_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    assert card_numbers(client.get(reverse("card-list"))) == {card.number}
    response = client.post(reverse("card-transition", args=[card.pk]),
                           {"action": "report_faulty", "note": "nie działa"}, format="json")
    assert response.status_code == 200
    assert card.events.get().actor == deans_office


@pytest.mark.parametrize("header", [None, "Token not-a-real-token"])
def test_unauthenticated_requests_are_refused(card, header):
    client = english_client()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    for response in (
        client.get(reverse("card-list")),
        client.get(reverse("card-detail", args=[card.pk])),
        client.post(reverse("card-transition", args=[card.pk]),
                    {"action": "report_faulty", "note": "x"}, format="json"),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert response.json()["code"] in ("not_authenticated", "authentication_failed")
    assert_unchanged(card)


def test_session_authentication_enforces_csrf(deans_office, card):
    client = english_client(enforce_csrf_checks=True)
    client.force_login(deans_office)
    assert client.get(reverse("card-list")).status_code == 200
    response = client.post(reverse("card-transition", args=[card.pk]),
                           {"action": "report_faulty", "note": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert_unchanged(card)


# --- query counts, schema ---------------------------------------------------------------

def test_list_query_count_does_not_grow_with_rows(deans_office, unit,
                                                  django_assert_num_queries):
    client = english_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {create_token(deans_office)}")
    old = CardFactory(serving_unit=unit, state=S.REPLACED)
    CardFactory(serving_unit=unit, replaces=old, holder=old.holder)
    CardFactory(serving_unit=unit)
    # token with its user, the user's roles and units, count, page
    with django_assert_num_queries(4):
        assert len(client.get(reverse("card-list")).json()["results"]) == 3
    CardFactory.create_batch(27, serving_unit=unit)
    with django_assert_num_queries(4):
        assert len(client.get(reverse("card-list")).json()["results"]) == 30


def test_detail_query_count_does_not_grow_with_history(deans_office, ssos, card,
                                                       django_assert_num_queries):
    SemesterFactory()

    url = reverse("card-detail", args=[card.pk])
    transition(deans_office, card, action="report_faulty", note="raz")
    with CaptureQueriesContext(connection) as queries:
        api_as(deans_office).get(url)
    short_history = len(queries)  # read now: every request resets the connection's log
    for _round in range(4):
        transition(ssos, card, action="return_working", note="działa")
        transition(deans_office, card, action="report_faulty", note="znowu")
    assert card.events.count() == 9
    with django_assert_num_queries(short_history):
        assert len(api_as(deans_office).get(url).json()["history"]) == 9


def test_schema_generates_without_warnings_and_documents_transitions(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--urlconf", __name__,
                 "--file", str(target))
    schema = target.read_text()
    assert "/api/cards/{id}/transition/:" in schema
    assert "CardTransitionInputRequest" in schema
    assert "available_transitions" in schema
