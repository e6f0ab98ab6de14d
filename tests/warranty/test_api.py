"""The cases REST API: create, list and filter, detail, steps, comments, payments."""

from __future__ import annotations

import pytest

from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import CardFactory
from tests.warranty.helpers import CLEAN, DIRTY, open_case
from warranty.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _as(api, user):
    api.force_authenticate(user)
    return api


def _step(api, case, action, **data):
    return api.post(f"/api/cases/{case.pk}/transition/", {"action": action, **data},
                    format="json")


def test_create_and_walk_a_fault_case(api, card, deans_office, ssos):
    response = _as(api, deans_office).post(
        "/api/cases/", {"card": card.pk, "kind": "fault", "note": "nie działa"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["case"]["state"] == "awaiting_card" and body["case"]["number"].startswith("ELS/")
    case = Case.objects.get(pk=body["case"]["id"])

    _as(api, ssos)
    detail = api.get(f"/api/cases/{case.pk}/").json()
    assert [s["action"] for s in detail["available_transitions"]] == [
        "receive_card", "return_working"]
    assert {e["kind"] for e in detail["timeline"]} >= {"case", "card", "notification"}

    assert _step(api, case, "receive_card", expected_state="awaiting_card").status_code == 200
    refused = _step(api, case, "approve_warranty", checklist=DIRTY)
    assert refused.status_code == 400 and refused.json()["code"] == "refused"
    assert "detail" in refused.json()
    response = _step(api, case, "approve_warranty", checklist=CLEAN)
    assert response.json()["case"]["state"] == "warranty_approved"
    assert response.json()["assessment"]["outcome"] == "warranty"


def test_create_validates_input(api, card, deans_office):
    _as(api, deans_office)
    bad_kind = api.post("/api/cases/", {"card": card.pk, "kind": "x"}, format="json")
    assert bad_kind.status_code == 400 and bad_kind.json()["code"] == "invalid"
    no_note = api.post("/api/cases/", {"card": card.pk, "kind": "fault"}, format="json")
    assert no_note.status_code == 400 and no_note.json()["code"] == "refused"
    no_card = api.post("/api/cases/", {"card": 999999, "kind": "lost", "note": "x"},
                       format="json")
    assert no_card.status_code == 400
    assert not Case.objects.exists()


def test_errors_have_code_and_detail(api, card, deans_office, other_deans_office, ssos):
    case = open_case(card, "damage", deans_office)
    forbidden = _step(_as(api, other_deans_office), case, "order_duplicate")
    assert forbidden.status_code == 404  # not even visible to another unit
    unpaid = _step(_as(api, deans_office), case, "order_duplicate")
    assert unpaid.status_code == 400 and "33" in unpaid.json()["detail"]
    wrong_state = _step(api, case, "mark_ready")
    assert wrong_state.status_code == 409 and wrong_state.json()["code"] == "not_possible"
    stale = _step(api, case, "order_duplicate", expected_state="ready_for_pickup")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    ssos_only = _step(_as(api, deans_office), open_case(
        CardFactory(serving_unit=card.serving_unit), "fault", deans_office), "receive_card")
    assert ssos_only.status_code == 403 and ssos_only.json()["code"] == "forbidden"


def test_payment_endpoint(api, card, deans_office):
    case = open_case(card, "lost", deans_office)
    _as(api, deans_office)
    missing_date = api.post(f"/api/cases/{case.pk}/payment/", {"action": "pay",
                                                               "reference": "R"}, format="json")
    assert missing_date.status_code == 400
    paid = api.post(f"/api/cases/{case.pk}/payment/",
                    {"action": "pay", "reference": "PAY/1", "paid_on": str(timezone.localdate())},
                    format="json")
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    again = api.post(f"/api/cases/{case.pk}/payment/", {"action": "waive", "reason": "x"},
                     format="json")
    assert again.status_code == 409
    assert _step(api, case, "order_duplicate").status_code == 200


def test_comments_and_holder_read_only(api, card, deans_office, holder_user):
    case = open_case(card, "damage", deans_office)
    _as(api, deans_office)
    api.post(f"/api/cases/{case.pk}/comments/", {"body": "wewnętrzna"}, format="json")
    created = api.post(f"/api/cases/{case.pk}/comments/",
                       {"body": "Prosimy o wpłatę", "visible_to_holder": True}, format="json")
    assert created.status_code == 201

    _as(api, holder_user)
    assert [c["body"] for c in api.get(f"/api/cases/{case.pk}/comments/").json()] == [
        "Prosimy o wpłatę"]
    assert api.post(f"/api/cases/{case.pk}/comments/", {"body": "?"},
                    format="json").status_code == 403
    assert _step(api, case, "order_duplicate").status_code == 403
    response = api.get(f"/api/cases/{case.pk}/")
    detail = response.json()
    # Exactly what the holder's case page shows: no staff note, notes or staff names.
    assert set(detail) == {"case", "timeline"}
    assert all(set(entry) == {"at", "kind", "title", "text"} for entry in detail["timeline"])
    assert detail["case"]["status_text"] and detail["case"]["card_number"] == card.number
    listed = api.get("/api/cases/").json()["results"]
    assert listed == [detail["case"]]
    for private in ("nie wczytuje się w USOS", "wewnętrzna", deans_office.username):
        assert private not in response.content.decode()
        assert private not in api.get(f"/api/cases/{case.pk}/comments/").content.decode()


def test_list_filters_and_queues(api, unit, deans_office, ssos, usos_office):
    for kind in ("fault", "damage", "lost"):
        open_case(CardFactory(serving_unit=unit), kind, deans_office)
    open_case(CardFactory(serving_unit=unit), "extension_failure", deans_office,
              extension_error="no_certificate")

    _as(api, ssos)
    assert api.get("/api/cases/?queue=awaiting_card").json()["count"] == 1
    assert api.get("/api/cases/?kind=lost").json()["count"] == 1
    assert api.get("/api/cases/?queue=nonsense").status_code == 400
    queues = {q["name"]: q["count"] for q in api.get("/api/cases/queues/").json()}
    assert queues == {"awaiting_card": 1, "to_assess": 0, "to_order": 0, "to_hand_over": 0,
                      "forgeries": 0}

    _as(api, usos_office)
    assert {q["name"]: q["count"] for q in api.get("/api/cases/queues/").json()} == {
        "escalations": 1}


def test_other_unit_and_anonymous_see_nothing(api, card, deans_office, other_deans_office):
    case = open_case(card, "damage", deans_office)
    assert _as(api, other_deans_office).get("/api/cases/").json()["count"] == 0
    assert api.get(f"/api/cases/{case.pk}/").status_code == 404
    assert APIClient().get("/api/cases/").status_code in (401, 403)


def test_attempts_and_assignment(api, card, deans_office, usos_office):
    case = open_case(card, "extension_failure", deans_office, extension_error="card_read_failed")
    _as(api, deans_office)
    response = api.post(f"/api/cases/{case.pk}/attempts/", {"succeeded": False}, format="json")
    assert response.json()["case"]["state"] == "holder_to_usos"
    assert response.json()["remedy"]["steps"]
    assigned = api.post(f"/api/cases/{case.pk}/assign/", {"assignee": usos_office.pk},
                        format="json")
    assert assigned.status_code == 200 and assigned.json()["assigned_to"] == "usos"
    nobody = api.post(f"/api/cases/{case.pk}/assign/", {"assignee": 999999}, format="json")
    assert nobody.status_code == 400


def test_schema_lists_the_case_endpoints(api, admin_user):
    schema = _as(api, admin_user).get("/api/schema/?format=json").json()
    assert {"/api/cases/", "/api/cases/{id}/transition/", "/api/cases/{id}/payment/"} <= set(
        schema["paths"])
