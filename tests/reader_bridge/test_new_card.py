"""Hand-over from a read: the new card put on my reader gives its chip serial, or the
reason this chip may not become the holder's card; the hand-over itself refuses it too."""

from __future__ import annotations

import datetime as dt

import pytest

from django.urls import reverse

from cards.chip_testing import build_test_els_file, shared_test_pki
from cards.models import Card, CardState
from reader_bridge.processing import read_process
from tests.factories import CardFactory, HolderFactory
from tests.warranty.helpers import act, open_case
from warranty.models import Case, CaseState
from warranty.services import payment_waive

from .factories import chip_fields, read_body, trust
from .test_processing import ingest

pytestmark = pytest.mark.django_db

NEW_SERIAL = "04C0FFEE0000A1"


@pytest.fixture
def ready_case(card, deans_office):
    """A lost card's paid (here waived) duplicate, ready for pick-up."""
    trust(shared_test_pki().ca_cert)
    case = open_case(card, "lost", deans_office, note="zgubiona w tramwaju")
    payment_waive(case_id=case.pk, actor=deans_office, source="web", reason="trudna sytuacja")
    case = act(case, "order_duplicate", deans_office)
    return act(case, "mark_ready", deans_office)


def put_on_reader(device, card, *, serial=NEW_SERIAL, els=None, **changes):
    """The agent's read of a chip carrying `card`'s holder's data (with `changes`)."""
    fields = chip_fields(card, chip_serial=serial, **changes)
    body = read_body(fields=fields, els=els, chip_serial=serial)
    return read_process(ingest(device, body).pk)


def new_card_answer(client, case):
    return client.get(reverse("reader_bridge:new-card", args=[case.pk])).json()["read"]


def test_the_new_card_on_my_reader_fills_the_chip_serial_and_is_handed_over(
        client, deans_office, device, ready_case, no_processing):
    client.force_login(deans_office)
    page = client.get(reverse("warranty:detail", args=[ready_case.pk])).content.decode()
    assert "Połóż nową legitymację na czytniku" in page and "new-card.json" in page

    put_on_reader(device, ready_case.card)
    answer = new_card_answer(client, ready_case)

    assert (answer["chip_serial"], answer["refusal"]) == (NEW_SERIAL, "")
    response = client.post(reverse("warranty:step", args=[ready_case.pk, "hand_over"]), {
        "hand_over-expected_state": CaseState.READY_FOR_PICKUP,
        "hand_over-new_number": "ELS-2026-900001",
        "hand_over-new_chip_serial": answer["chip_serial"]}, follow=True)
    assert response.status_code == 200
    new = Card.objects.get(replaces=ready_case.card)
    assert (new.number, new.chip_serial, new.state) == ("ELS-2026-900001", NEW_SERIAL,
                                                        CardState.ACTIVE)


@pytest.mark.parametrize(("chip", "reason"), [
    ("old card", "To stara legitymacja"),
    ("another card", "jest już legitymacją"),
    ("another person", "należą do innej osoby (inny PESEL)"),
    ("forged", "możliwe fałszerstwo"),
    ("failed read", "Ponownie"),
])
def test_a_chip_that_is_not_the_holders_new_card_is_refused_with_the_reason(
        client, deans_office, device, ready_case, no_processing, unit, chip, reason):
    card = ready_case.card
    if chip == "old card":
        put_on_reader(device, card, serial=card.chip_serial)
    elif chip == "another card":
        taken = CardFactory(serving_unit=unit)
        put_on_reader(device, taken, serial=taken.chip_serial)
    elif chip == "another person":
        put_on_reader(device, card, pesel=HolderFactory.build().pesel)
    elif chip == "forged":
        genuine = build_test_els_file(chip_fields(card, chip_serial=NEW_SERIAL))
        put_on_reader(device, card, els=genuine.replace(card.holder.first_name.encode(), b"Xan"))
    else:
        read_process(ingest(device, read_body(outcome="timeout", chip_serial=NEW_SERIAL)).pk)
    client.force_login(deans_office)

    answer = new_card_answer(client, ready_case)

    assert answer["chip_serial"] == ""
    assert reason.casefold() in answer["refusal"].casefold(), answer["refusal"]


def test_a_typed_serial_of_a_refused_chip_is_refused_at_hand_over_too(
        client, deans_office, device, ready_case, no_processing):
    put_on_reader(device, ready_case.card, pesel=HolderFactory.build().pesel)
    client.force_login(deans_office)

    response = client.post(reverse("warranty:step", args=[ready_case.pk, "hand_over"]), {
        "hand_over-expected_state": CaseState.READY_FOR_PICKUP,
        "hand_over-new_number": "ELS-2026-900002",
        "hand_over-new_chip_serial": NEW_SERIAL.lower()}, follow=True)

    assert "należą do innej osoby" in response.content.decode()
    ready_case.refresh_from_db()
    assert ready_case.state == CaseState.READY_FOR_PICKUP
    assert not Card.objects.filter(chip_serial=NEW_SERIAL).exists()


@pytest.mark.parametrize(("typed", "handed_over"), [("xyz", False), ("04:AB:CD:EF:01", True)])
def test_typing_stays_the_fallback_for_a_broken_reader_under_the_one_rule(
        client, deans_office, ready_case, typed, handed_over):
    client.force_login(deans_office)

    response = client.post(reverse("warranty:step", args=[ready_case.pk, "hand_over"]), {
        "hand_over-expected_state": CaseState.READY_FOR_PICKUP,
        "hand_over-new_number": "ELS-2026-900003",
        "hand_over-new_chip_serial": typed}, follow=True)

    ready_case.refresh_from_db()
    assert (ready_case.state == CaseState.HANDED_OVER) is handed_over
    if not handed_over:
        assert "nie jest numerem seryjnym" in response.content.decode()


def test_only_staff_who_see_the_case_ask_for_its_new_card(
        client, deans_office, other_deans_office, outsider, ready_case):
    url = reverse("reader_bridge:new-card", args=[ready_case.pk])
    client.force_login(other_deans_office)
    assert client.get(url).status_code == 404
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    client.force_login(deans_office)
    assert client.get(url, {"since": "wczoraj"}).status_code == 400
    assert client.get(url).json()["read"] is None


@pytest.fixture
def stack(ready_case, deans_office, unit):
    """Two new cards ready at the dean's office: the fixture's and a second holder's."""
    second = open_case(CardFactory(serving_unit=unit, holder=HolderFactory(
        first_name="Natalia", last_name="Malinowska")), "lost", deans_office, note="zgubiona")
    payment_waive(case_id=second.pk, actor=deans_office, source="web", reason="zwolnienie")
    act(second, "order_duplicate", deans_office)
    return [ready_case, act(second, "mark_ready", deans_office)]


def test_on_the_stack_the_chip_data_say_whose_new_card_it_is(
        client, deans_office, device, stack, no_processing):
    client.force_login(deans_office)
    url = reverse("reader_bridge:new-card-stack")
    page = client.get(reverse("warranty:hand-over-stack")).content.decode()
    assert all(case.number in page for case in stack) and url in page

    put_on_reader(device, stack[1].card, serial="04C0FFEE0000C2")
    answer = client.get(url).json()["read"]
    assert (answer["case_id"], answer["chip_serial"]) == (stack[1].pk, "04C0FFEE0000C2")

    put_on_reader(device, stack[1].card, serial="04C0FFEE0000C3",
                  pesel=HolderFactory.build().pesel, album_number="999999")
    answer = client.get(url).json()["read"]
    assert (answer["case_id"], answer["chip_serial"]) == (None, "")
    assert "żadnej z osób" in answer["refusal"]


def test_the_stack_is_handed_over_card_by_card_and_refusals_listed_in_polish(
        client, deans_office, other_deans_office, stack):
    first, second = stack
    client.force_login(deans_office)

    response = client.post(reverse("warranty:hand-over-stack"), {
        f"state-{first.pk}": first.state, f"number-{first.pk}": "ELS-2026-900011",
        f"serial-{first.pk}": "04C0FFEE0000D1",
        f"state-{second.pk}": second.state, f"number-{second.pk}": "ELS-2026-900012",
        f"serial-{second.pk}": "xyz"}, follow=True)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (CaseState.HANDED_OVER, CaseState.READY_FOR_PICKUP)
    text = response.content.decode()
    assert f"wykonano w 1 zgłoszeniu: {first.number}" in text
    assert f"{second.number}: „XYZ” nie jest numerem" in text
    assert second.number in text.split("<table")[1]  # still on the stack, first is not
    assert first.number not in text.split("<table")[1]
    client.force_login(other_deans_office)  # another unit's stack is not theirs
    page = client.get(reverse("warranty:hand-over-stack")).content.decode()
    assert second.number not in page
    client.post(reverse("warranty:hand-over-stack"), {
        f"state-{second.pk}": second.state, f"number-{second.pk}": "ELS-2026-900013",
        f"serial-{second.pk}": "04C0FFEE0000D2"})
    second.refresh_from_db()
    assert second.state == CaseState.READY_FOR_PICKUP


def test_a_stack_longer_than_a_page_is_paged_and_counted(
        client, deans_office, device, stack, no_processing, monkeypatch):
    monkeypatch.setattr("warranty.bulk.MAX_BULK", 1)  # a page: as many as go at once
    first, second = stack
    client.force_login(deans_office)
    url = reverse("warranty:hand-over-stack")

    page_one = client.get(url).content.decode()
    page_two = client.get(url, {"page": 2}).content.decode()

    assert "2 nowe legitymacje czekają na wydanie" in page_one
    assert first.number in page_one and second.number not in page_one
    assert second.number in page_two and first.number not in page_two
    assert 'href="?page=2"' in page_one
    put_on_reader(device, second.card, serial="04C0FFEE0000E2")
    answer = client.get(reverse("reader_bridge:new-card-stack"), {"page": 2}).json()["read"]
    assert (answer["case_id"], answer["chip_serial"]) == (second.pk, "04C0FFEE0000E2")

    response = client.post(f"{url}?page=2", {
        f"state-{second.pk}": second.state, f"number-{second.pk}": "ELS-2026-900021",
        f"serial-{second.pk}": "04C0FFEE0000E2"}, follow=True)

    second.refresh_from_db()
    assert second.state == CaseState.HANDED_OVER
    assert "1 nowa legitymacja czeka na wydanie" in response.content.decode()


def test_on_the_stack_a_holder_without_pesel_or_album_number_gets_no_stranger_s_chip(
        client, deans_office, device, stack, unit, no_processing):
    """Nothing on such a holder's record can match a chip, so no chip is theirs by
    default, even when their case has waited longest and is listed first."""
    nameless = open_case(CardFactory(serving_unit=unit, holder=HolderFactory(
        pesel="", album_number="")), "lost", deans_office, note="zgubiona")
    payment_waive(case_id=nameless.pk, actor=deans_office, source="web", reason="zwolnienie")
    act(nameless, "order_duplicate", deans_office)
    act(nameless, "mark_ready", deans_office)
    Case.objects.filter(pk=nameless.pk).update(
        state_changed_at=min(case.state_changed_at for case in stack) - dt.timedelta(days=1))
    client.force_login(deans_office)

    put_on_reader(device, stack[1].card, serial="04C0FFEE0000C4")
    answer = client.get(reverse("reader_bridge:new-card-stack")).json()["read"]
    assert (answer["case_id"], answer["chip_serial"]) == (stack[1].pk, "04C0FFEE0000C4")


def test_the_stack_is_only_for_staff_who_hand_cards_over(client, usos_office, ssos, stack):
    client.force_login(usos_office)  # sees every unit's cases, hands no card over
    assert client.get(reverse("warranty:hand-over-stack")).status_code == 403
    client.force_login(ssos)
    page = client.get(reverse("warranty:hand-over-stack")).content.decode()
    assert all(case.number in page for case in stack)


def test_rows_typed_on_a_page_that_shifted_meanwhile_are_still_handed_over(
        client, deans_office, stack, unit, monkeypatch):
    monkeypatch.setattr("warranty.bulk.MAX_BULK", 1)
    first, second = stack
    third = open_case(CardFactory(serving_unit=unit), "lost", deans_office, note="zgubiona")
    payment_waive(case_id=third.pk, actor=deans_office, source="web", reason="zwolnienie")
    act(act(third, "order_duplicate", deans_office), "mark_ready", deans_office)
    client.force_login(deans_office)
    url = reverse("warranty:hand-over-stack")
    assert second.number in client.get(url, {"page": 2}).content.decode()
    act(first, "hand_over", deans_office,  # at another desk: page 2 now shows the third
        new_number="ELS-2026-900031", new_chip_serial="04C0FFEE0000F1")

    client.post(f"{url}?page=2", {
        f"state-{second.pk}": second.state, f"number-{second.pk}": "ELS-2026-900032",
        f"serial-{second.pk}": "04C0FFEE0000F2", "state-99999999999999": "x"})

    second.refresh_from_db()
    assert second.state == CaseState.HANDED_OVER
