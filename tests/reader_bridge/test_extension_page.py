"""The card page's "Przedłuż": pick the reader, then follow the extension live."""

from __future__ import annotations

import base64

import pytest

from django.urls import reverse

from reader_bridge.models import ChipWriteJob, ExtensionSession, JobKind

from .agent_calls import fetch, opened_job, written
from .extension_setup import genuine_file
from .factories import ReaderDeviceFactory, deliver, read_body

pytestmark = pytest.mark.django_db


def start(client, card, device):
    return client.post(reverse("reader_bridge:extend", args=[card.pk]), {"device": device.pk})


def progress(client, card) -> dict | None:
    return client.get(reverse("reader_bridge:extension", args=[card.pk])).json()["extension"]


def insert(device, card):
    from reader_bridge.processing import read_process

    data = read_body(els=genuine_file(card), chip_serial=card.chip_serial)
    read_id = deliver(device, data)
    read_process(read_id)


def test_extend_arms_the_reader_and_the_page_follows_to_the_hologram(
        client, deans_office, device, extendable, no_processing):
    client.force_login(deans_office)
    page = client.get(reverse("cards:detail", args=[extendable.pk])).content.decode()
    assert "Przedłuż" in page and device.name in page

    response = start(client, extendable, device)

    assert response.status_code == 302
    session = ExtensionSession.objects.get()
    assert (session.card, session.device, session.started_by) == (extendable, device,
                                                                 deans_office)
    assert ChipWriteJob.objects.get().kind == JobKind.READ_ELS  # the card may be in already
    assert progress(client, extendable)["step"] == "waiting"
    assert opened_job(fetch(client, device))["kind"] == "read_els"

    insert(device, extendable)
    job = opened_job(fetch(client, device))
    assert progress(client, extendable)["step"] == "writing"
    assert "nie wyjmuj" in progress(client, extendable)["text"].lower()

    written(client, device, job)

    status = progress(client, extendable)
    assert (status["step"], status["done"]) == ("verified", True)
    assert "naklej hologram" in status["text"].lower()
    page = client.get(reverse("cards:detail", args=[extendable.pk])).content.decode()
    assert "naklej hologram" in page.lower()


def test_a_torn_write_tells_to_insert_the_card_again(client, deans_office, device, extendable,
                                                     no_processing):
    from .agent_calls import post_result, result_body

    client.force_login(deans_office)
    start(client, extendable, device)
    fetch(client, device)
    insert(device, extendable)
    job = opened_job(fetch(client, device))
    post_result(client, device, job["job_id"], result_body(job, "failed",
                                                           failed_step="update_binary"))

    status = progress(client, extendable)

    assert status["step"] == "torn"
    assert "włóż legitymację ponownie" in status["text"].lower()
    assert base64.b64decode(job["file"])  # the job carried the new file


def test_a_refused_extension_shows_the_reason_and_the_case(client, deans_office, device,
                                                           extendable, no_processing):
    client.force_login(deans_office)
    start(client, extendable, device)
    extendable.holder.enrolments.update(cycle_code="OLD")

    insert(device, extendable)

    status = progress(client, extendable)
    assert status["step"] == "refused"
    assert "nie jest rozliczony" in status["text"]
    assert status["case_url"].startswith("/cases/")


def test_a_card_the_rules_refuse_cannot_be_armed(client, deans_office, device, card):
    client.force_login(deans_office)

    page = client.get(reverse("cards:detail", args=[card.pk])).content.decode()
    start(client, card, device)

    assert "Nie znaleziono certyfikatu do podpisu" in page
    assert not ExtensionSession.objects.exists()


def test_another_units_reader_cannot_be_armed(client, deans_office, extendable):
    client.force_login(deans_office)
    foreign = ReaderDeviceFactory()

    start(client, extendable, foreign)

    assert not ExtensionSession.objects.exists()


def test_a_holder_sees_no_extension_controls(client, extendable):
    from tests.factories import UserFactory

    holder_user = UserFactory(username="student")
    extendable.holder.user = holder_user
    extendable.holder.save()
    client.force_login(holder_user)

    page = client.get(reverse("cards:detail", args=[extendable.pk]))

    assert "card-extension" not in page.content.decode()
    assert client.get(reverse("reader_bridge:extension", args=[extendable.pk])).status_code \
        in (403, 404)
