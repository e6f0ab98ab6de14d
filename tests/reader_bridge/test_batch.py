"""The semester-start batch: one reader extends every card inserted, and the batch page
lists each card's result. The agent is played by signed HTTP calls."""

from __future__ import annotations

import datetime as dt

import pytest

from django.urls import reverse
from django.utils import timezone

from cards import rules
from cards.models import CardState
from reader_bridge.batch import batch_start
from reader_bridge.models import ChipWriteJob, ExtensionSession, JobKind
from tests.factories import CardFactory, EnrolmentFactory, UserFactory
from warranty.models import Case, ExtensionError

from .agent_calls import written
from .factories import ReaderDeviceFactory
from .test_jobs import insert, next_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(device, extendable, deans_office, no_processing):
    return batch_start(user=deans_office, device_id=device.pk)


def progress(client, batch, since=None):
    url = reverse("reader_bridge:batch-progress", args=[batch.pk])
    response = client.get(url, {"since": since} if since else {})
    assert response.status_code == 200
    return response.json()


def settled_card(unit):
    card = CardFactory(serving_unit=unit)
    EnrolmentFactory(holder=card.holder, unit=unit)
    return card


def test_cards_go_in_one_after_another_without_a_click(client, device, batch, extendable,
                                                       unit, deans_office):
    second = settled_card(unit)
    for card in (extendable, second):
        insert(device, card)
        assert written(client, device, next_job(client, device)).json() == {
            "status": "verified"}

    for card in (extendable, second):
        card.refresh_from_db()
        assert card.state == CardState.AWAITING_HOLOGRAM
    client.force_login(deans_office)
    answer = progress(client, batch)
    assert answer["open"] is True
    assert answer["counts"] == {"extended": 2, "working": 0, "retry": 0, "refused": 0}
    assert [row["card"] for row in answer["rows"]] == [second.number, extendable.number]
    assert {row["label"] for row in answer["rows"]} == {"Przedłużona — naklej hologram"}


def test_a_card_in_writing_shows_it_live(client, device, batch, extendable, deans_office):
    insert(device, extendable)
    client.force_login(deans_office)
    assert progress(client, batch)["rows"][0]["label"] == "Czeka na zapis przez czytnik…"

    job = next_job(client, device)
    row = progress(client, batch)["rows"][0]
    assert (row["status"], row["label"]) == (
        "working", "Trwa zapis w układzie: nie wyjmuj legitymacji.")

    written(client, device, job)
    assert progress(client, batch)["rows"][0]["status"] == "extended"


def test_a_refused_card_is_set_aside_with_its_case_and_the_next_one_goes_on(
        client, device, batch, extendable, unit, deans_office):
    extendable.holder.enrolments.update(cycle_code="OLD")
    second = settled_card(unit)

    insert(device, extendable)
    insert(device, second)
    written(client, device, next_job(client, device))

    client.force_login(deans_office)
    answer = progress(client, batch)
    assert answer["counts"] == {"extended": 1, "working": 0, "retry": 0, "refused": 1}
    refused = next(row for row in answer["rows"] if row["card"] == extendable.number)
    case = Case.objects.get(card=extendable)
    assert case.extension_error == ExtensionError.NOT_SETTLED
    assert refused["status"] == "refused"
    assert refused["detail"].startswith(rules.not_settled(extendable.holder))
    assert (refused["case"], refused["case_url"]) == (
        f"Sprawa {case.number}", reverse("warranty:detail", args=[case.pk]))
    assert f"Odłóż legitymację: sprawa {case.number}" in refused["remedy"]
    page = client.get(reverse("reader_bridge:batch", args=[batch.pk])).content.decode()
    assert case.number in page and rules.not_settled(extendable.holder) in page


def test_a_torn_write_asks_for_the_card_again_and_the_next_insertion_finishes(
        client, device, batch, extendable, deans_office):
    insert(device, extendable)
    job = next_job(client, device)
    written(client, device, job, read_back=b"torn")
    client.force_login(deans_office)
    row = progress(client, batch)["rows"][0]
    assert (row["status"], row["label"]) == ("retry", "Zapis został przerwany")
    extendable.refresh_from_db()
    assert extendable.state == CardState.ACTIVE

    insert(device, extendable, els=b"torn" + bytes(60))
    written(client, device, next_job(client, device))
    answer = progress(client, batch)
    assert answer["counts"]["extended"] == 1 and len(answer["rows"]) == 1


def test_an_extended_card_inserted_again_stays_extended(client, device, batch, extendable,
                                                        deans_office):
    insert(device, extendable)
    written(client, device, next_job(client, device))
    extendable.refresh_from_db()
    insert(device, extendable, els=bytes(ChipWriteJob.objects.get(
        kind=JobKind.WRITE_ELS).new_file))
    client.force_login(deans_office)
    assert progress(client, batch)["counts"] == {
        "extended": 1, "working": 0, "retry": 0, "refused": 0}


def test_since_sends_only_rows_that_changed(client, device, batch, extendable, deans_office):
    client.force_login(deans_office)
    first = progress(client, batch)
    assert first["rows"] == []
    insert(device, extendable)
    assert len(progress(client, batch, since=first["now"])["rows"]) == 1


def test_ending_the_batch_disarms_the_reader(client, device, batch, extendable, deans_office):
    client.force_login(deans_office)
    response = client.post(reverse("reader_bridge:batch-end", args=[batch.pk]))
    assert response.status_code == 302
    insert(device, extendable)
    assert not ChipWriteJob.objects.exists()
    assert progress(client, batch)["open"] is False


def test_start_from_the_page_at_ones_own_reader(client, device, deans_office, other_unit):
    client.force_login(deans_office)
    response = client.post(reverse("reader_bridge:batch-home"), {"device": device.pk})
    batch = ExtensionSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reader_bridge:batch", args=[batch.pk])
    assert (batch.card, batch.device, batch.started_by) == (None, device, deans_office)

    theirs = ReaderDeviceFactory(unit=other_unit)
    response = client.post(reverse("reader_bridge:batch-home"), {"device": theirs.pk})
    assert response.status_code == 400
    assert ExtensionSession.objects.count() == 1


def test_another_units_office_cannot_see_the_batch(client, batch, other_deans_office):
    client.force_login(other_deans_office)
    assert client.get(reverse("reader_bridge:batch", args=[batch.pk])).status_code == 404
    assert client.get(reverse("reader_bridge:batch-progress",
                              args=[batch.pk])).status_code == 404
    assert client.post(reverse("reader_bridge:batch-end", args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.ended_at is None


@pytest.mark.parametrize("role", ["ssos", None])
def test_only_offices_that_extend_may_use_batches(client, batch, role):
    client.force_login(UserFactory(roles=[role] if role else []))
    assert client.get(reverse("reader_bridge:batch-home")).status_code == 403
    assert client.get(reverse("reader_bridge:batch", args=[batch.pk])).status_code == 403


def test_a_write_never_answered_is_not_believed_and_turns_to_insert_again(
        client, device, batch, extendable, deans_office):
    insert(device, extendable)
    next_job(client, device)  # sent; the agent is killed before it reports the read-back
    client.force_login(deans_office)
    seen = progress(client, batch)
    assert seen["counts"] == {"extended": 0, "working": 1, "retry": 0, "refused": 0}

    ChipWriteJob.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    row = progress(client, batch, since=seen["now"])["rows"][0]
    assert (row["status"], row["label"]) == ("retry", "Zapis został przerwany")
    extendable.refresh_from_db()
    assert extendable.state == CardState.ACTIVE


def test_the_progress_costs_the_same_queries_for_3_or_30_cards(
        client, device, batch, unit, deans_office, django_assert_max_num_queries):
    from reader_bridge.models import ExtensionRefusal

    def add_cards(count):
        for _ in range(count):
            card = settled_card(unit)
            ChipWriteJob.objects.create(kind=JobKind.WRITE_ELS, device=device, card=card,
                                        session=batch, chip_serial=card.chip_serial,
                                        expires_at=batch.expires_at)
            ExtensionRefusal.objects.create(session=batch, card=settled_card(unit),
                                            reason="x", case_id=None)

    client.force_login(deans_office)
    add_cards(3)
    with django_assert_max_num_queries(12) as few:
        assert len(progress(client, batch)["rows"]) == 6
    add_cards(27)
    with django_assert_max_num_queries(len(few)):
        assert len(progress(client, batch)["rows"]) == 60
