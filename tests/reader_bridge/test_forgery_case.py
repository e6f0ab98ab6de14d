"""A suspected forgery: reported from the read, handled by SSOS, never shown to the holder."""

from __future__ import annotations

import pytest

from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from cards.chip_testing import build_test_els_file, shared_test_pki
from cards.errors import ActionForbidden, ActionNotPossible
from cards.models import CardEvent, CardState
from reader_bridge.models import CardRead, Diagnosis
from reader_bridge.processing import read_process
from tests.factories import UserFactory
from tests.warranty.helpers import act
from warranty.lookup import case_status_lookup
from warranty.models import Case, CaseKind, CaseState, Notification
from warranty.selectors import holder_cases_for_user

from .factories import chip_fields, deliver, read_body, trust

pytestmark = pytest.mark.django_db
S = CaseState


@pytest.fixture
def trusted_ca(db):
    return trust(shared_test_pki().ca_cert)


@pytest.fixture
def ssos_person(db):
    return UserFactory(username="ssos-bezp", roles=["ssos"], email="ssos@example.edu")


def _process(device, **body_options) -> CardRead:
    return read_process(deliver(device, read_body(**body_options)))


@pytest.fixture
def forged_read(device, card, trusted_ca, no_processing):
    els = build_test_els_file(chip_fields(card)).replace(card.holder.first_name.encode(), b"Xan")
    read = _process(device, els=els)
    assert (read.diagnosis, read.card) == (Diagnosis.INVALID_SIGNATURE, card)
    return read


def _report(client, read, note="przyniesiona przez osobę podającą się za posiadacza"):
    return client.post(reverse("reader_bridge:forgery", args=[read.pk]), {"note": note})


def _card_read_row(client, read) -> dict:
    return client.get(reverse("reader_bridge:reads"), {"card": read.card_id}).json()["reads"][0]


def test_the_read_offers_the_report_and_shows_its_details_in_polish(
        client, forged_read, deans_office):
    client.force_login(deans_office)
    row = _card_read_row(client, forged_read)
    assert (row["next_label"], row["next_url"], row["next_danger"]) == (
        "Zgłoś podejrzenie podrobienia",
        reverse("reader_bridge:forgery", args=[forged_read.pk]), True)
    page = client.get(row["next_url"]).content.decode()
    for polish in ("Zgłoś podejrzenie podrobienia", "Problemy wykryte przy sprawdzaniu",
                   "Dane w chipie", "algorytm skrótu", "podmiot", "wystawca",
                   "dane legitymacji zmieniono po podpisaniu"):
        assert polish in page
    assert "the card data was changed" not in page
    assert forged_read.card.holder.pesel not in page


def test_reporting_opens_the_case_for_ssos_with_the_read_attached(
        client, forged_read, deans_office, ssos_person, django_capture_on_commit_callbacks):
    client.force_login(deans_office)
    with django_capture_on_commit_callbacks(execute=True):
        response = _report(client, forged_read)
    case = Case.objects.get(kind=CaseKind.SUSPECTED_FORGERY)
    assert response.status_code == 302 and response["Location"] == reverse(
        "warranty:detail", args=[case.pk])
    assert (case.state, case.card_read_id, case.card.state) == (
        S.FORGERY_TO_CHECK, forged_read.pk, CardState.ACTIVE)
    assert [m.to for m in mail.outbox] == [["ssos@example.edu"]]
    assert not Notification.objects.filter(case=case, to_holder=True).exists()
    client.force_login(ssos_person)
    page = client.get(reverse("warranty:detail", args=[case.pk])).content.decode()
    assert "Potwierdź podrobienie" in page and "Dane w chipie" in page
    queues = client.get(reverse("warranty:list"), {"queue": "forgeries"}).context["page"]
    assert [c.pk for c in queues] == [case.pk]


def test_a_reported_read_leads_to_its_case_not_to_a_second_report(
        client, forged_read, deans_office):
    client.force_login(deans_office)
    _report(client, forged_read)
    case = Case.objects.get(kind=CaseKind.SUSPECTED_FORGERY)

    row = _card_read_row(client, forged_read)
    desk_row = client.get(reverse("reader_bridge:desk-poll")).json()["reads"][0]
    card_page = client.get(reverse("cards:detail", args=[forged_read.card_id])).content.decode()

    for step in (row, desk_row):
        assert (step["next_label"], step["next_url"], step["next_danger"]) == (
            f"Przejdź do zgłoszenia {case.number}", reverse("warranty:detail", args=[case.pk]),
            False)
    assert "Zgłoś podejrzenie podrobienia" not in card_page
    on_its_own_page = client.get(reverse("reader_bridge:reads"), {
        "card": forged_read.card_id, "case": case.pk}).json()["reads"][0]
    assert on_its_own_page["next_url"] == ""  # no button leading to the page it is on
    assert f"case={case.pk}" in client.get(
        reverse("warranty:detail", args=[case.pk])).content.decode()


def test_confirmed_forgery_invalidates_the_card_through_its_transition(
        client, forged_read, deans_office, ssos_person):
    client.force_login(deans_office)
    _report(client, forged_read)
    case = Case.objects.get(kind=CaseKind.SUSPECTED_FORGERY)
    with pytest.raises(ActionForbidden):  # SSOS decides, not the dean's office
        act(case, "confirm_forgery", deans_office, note="podrobiona")
    case = act(case, "confirm_forgery", ssos_person, note="nadruk różni się od wzoru")
    assert case.state == S.FORGERY_CONFIRMED and case.card.state == CardState.INVALIDATED
    event = CardEvent.objects.filter(card=case.card).latest("at")
    assert event.action == "invalidate_forged" and "nadruk" not in event.reason
    with pytest.raises(ActionNotPossible):
        act(case, "confirm_forgery", ssos_person, note="jeszcze raz")
    again = _report(client, forged_read)  # the same read cannot open a second case
    assert again.status_code == 400 and case.number in again.content.decode()


def test_dismissed_suspicion_leaves_the_card_alone(client, forged_read, deans_office,
                                                   ssos_person):
    client.force_login(deans_office)
    _report(client, forged_read)
    case = act(Case.objects.get(kind=CaseKind.SUSPECTED_FORGERY), "dismiss_forgery",
               ssos_person, note="brakowało certyfikatu CA")
    assert case.state == S.FORGERY_DISMISSED and case.card.state == CardState.ACTIVE


def test_the_holder_never_sees_the_suspicion(client, forged_read, deans_office):
    holder_user = UserFactory(username="student")
    holder = forged_read.card.holder
    holder.user, holder.album_number = holder_user, "123456"
    holder.save()
    client.force_login(deans_office)
    _report(client, forged_read)
    case = Case.objects.get(kind=CaseKind.SUSPECTED_FORGERY)
    client.force_login(holder_user)
    assert client.get(reverse("warranty:detail", args=[case.pk])).status_code == 404
    assert case.number not in client.get(reverse("warranty:mine")).content.decode()
    assert list(holder_cases_for_user(holder_user)) == []
    assert case_status_lookup(number=case.number, album_number=case.holder.album_number,
                              client_ip="10.0.0.9", device="d") is None


def test_a_read_without_forgery_or_without_a_card_opens_nothing(
        client, device, card, trusted_ca, no_processing, deans_office):
    genuine = _process(device, fields=chip_fields(card))
    unknown_chip = _process(device, fields=chip_fields(card), chip_serial="04FFFFFFFF")
    client.force_login(deans_office)
    refused = _report(client, genuine)
    assert refused.status_code == 400
    assert "Ten odczyt nie wskazuje na podrobienie." in refused.content.decode()
    assert "nie jest legitymacją tej uczelni" in _report(client, unknown_chip).content.decode()
    assert not Case.objects.exists()


def test_reads_of_other_units_stay_hidden(client, forged_read, other_deans_office,
                                          deans_office):
    client.force_login(other_deans_office)
    assert _report(client, forged_read).status_code == 404
    api = APIClient()
    api.force_authenticate(deans_office)
    opened = api.post("/api/cases/", {"card": forged_read.card_id, "kind": "suspected_forgery",
                                      "note": "x"}, format="json")
    assert opened.status_code == 400 and not Case.objects.exists()


def test_another_units_desk_can_report_the_card_in_its_reader(
        client, trusted_ca, no_processing, other_unit, other_deans_office, card):
    from .factories import ReaderDeviceFactory

    their_reader = ReaderDeviceFactory(unit=other_unit)
    els = build_test_els_file(chip_fields(card)).replace(card.holder.first_name.encode(), b"Xan")
    read = _process(their_reader, els=els)
    client.force_login(other_deans_office)
    assert _report(client, read).status_code == 302
    assert Case.objects.get().unit == card.serving_unit  # handled where the card belongs
