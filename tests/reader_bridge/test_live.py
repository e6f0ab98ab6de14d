"""The card page's reads panel, its live JSON list and the "Read card" button."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from django.urls import reverse
from django.utils import timezone

from reader_bridge.models import CardRead, Diagnosis, ProcessingState, ReadRequest
from tests.factories import CardFactory, HolderFactory, UserFactory

from .factories import ReaderDeviceFactory

pytestmark = pytest.mark.django_db


def make_read(card, device, *, diagnosis=Diagnosis.EXPIRED, detail="", minutes_ago=0,
              **fields) -> CardRead:
    moment = timezone.now() - dt.timedelta(minutes=minutes_ago)
    values = {"state": ProcessingState.DONE, "processed_at": moment, **fields}
    return CardRead.objects.create(
        device=device, message_id=uuid.uuid4(), body_sha256="0" * 64, body="{}",
        read_at=moment, received_at=moment, sequence=1, outcome="ok", diagnosis=diagnosis,
        diagnosis_detail=detail, card=card, **values)


@pytest.fixture
def device(unit):
    return ReaderDeviceFactory(unit=unit, name="pc-dziekanat")


def reads_url(card, since=None):
    url = f"{reverse('reader_bridge:reads')}?card={card.pk}"
    return url + (f"&since={since.isoformat()}".replace("+", "%2B") if since else "")


def test_staff_of_the_unit_sees_reads_as_json(client, deans_office, card, device):
    read = make_read(card, device, detail="validity ended on 2026-10-31")
    client.force_login(deans_office)

    data = client.get(reads_url(card)).json()

    assert [row["id"] for row in data["reads"]] == [read.pk]
    row = data["reads"][0]
    assert (row["reader"], row["diagnosis"]) == ("pc-dziekanat", "expired")
    # the codec's detail is stored as it said it, and shown in the page's language
    assert row["remedy"] and row["detail"] == "ważność upłynęła 31.10.2026"
    assert card.holder.pesel not in str(data)


def test_since_returns_only_recently_processed_reads(client, deans_office, card, device):
    make_read(card, device, minutes_ago=10)
    fresh = make_read(card, device)
    client.force_login(deans_office)

    data = client.get(reads_url(card, since=timezone.now() - dt.timedelta(minutes=1))).json()

    assert [row["id"] for row in data["reads"]] == [fresh.pk]


def test_pending_reads_and_other_cards_reads_are_not_listed(client, deans_office, card, device):
    make_read(card, device, state=ProcessingState.PENDING)
    make_read(CardFactory(serving_unit=card.serving_unit), device)
    client.force_login(deans_office)

    assert client.get(reads_url(card)).json()["reads"] == []


def test_staff_of_another_unit_gets_404(client, other_deans_office, card, device):
    make_read(card, device)
    client.force_login(other_deans_office)

    assert client.get(reads_url(card)).status_code == 404


def test_holder_sees_reads_of_their_own_card_only(client, card, device, unit):
    user = UserFactory()
    card.holder.user = user
    card.holder.save()
    someone_else = CardFactory(serving_unit=unit, holder=HolderFactory())
    client.force_login(user)

    assert client.get(reads_url(card)).status_code == 200
    assert client.get(reads_url(someone_else)).status_code == 404


def test_anonymous_is_sent_to_login(client, card):
    assert client.get(reads_url(card)).status_code == 302


@pytest.mark.parametrize("query", ["", "?card=abc"])
def test_missing_or_bad_card_parameter_is_404(client, deans_office, query):
    client.force_login(deans_office)

    assert client.get(reverse("reader_bridge:reads") + query).status_code == 404


def test_live_list_query_count_does_not_grow(client, deans_office, card, device,
                                             django_assert_max_num_queries):
    client.force_login(deans_office)
    make_read(card, device)
    with django_assert_max_num_queries(6) as few:
        client.get(reads_url(card))
    for _ in range(10):
        make_read(card, ReaderDeviceFactory(unit=card.serving_unit))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reads_url(card))


def test_card_page_shows_reads_escaped_and_the_read_button(client, deans_office, card, device):
    make_read(card, device, detail="<script>alert(1)</script>")
    client.force_login(deans_office)

    html = client.get(reverse("cards:detail", args=[card.pk])).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert reverse("reader_bridge:request", args=[card.pk]) in html
    assert "pc-dziekanat" in html
    assert "js/reads.js" in html


def test_card_page_query_count_does_not_grow_with_reads(client, deans_office, card, device,
                                                        django_assert_max_num_queries):
    client.force_login(deans_office)
    url = reverse("cards:detail", args=[card.pk])
    make_read(card, device)
    with django_assert_max_num_queries(30) as before:
        client.get(url)
    for _ in range(8):
        make_read(card, ReaderDeviceFactory(unit=card.serving_unit))
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)


def test_holder_sees_no_read_button(client, card):
    user = UserFactory()
    card.holder.user = user
    card.holder.save()
    client.force_login(user)

    html = client.get(reverse("cards:detail", args=[card.pk])).content.decode()

    assert reverse("reader_bridge:request", args=[card.pk]) not in html


def test_read_card_creates_a_request_for_the_chosen_reader(client, deans_office, card, device):
    client.force_login(deans_office)

    response = client.post(reverse("reader_bridge:request", args=[card.pk]),
                           {"device": str(device.pk)})

    assert response.status_code == 302
    request = ReadRequest.objects.get()
    assert (request.device, request.card, request.requested_by) == (device, card, deans_office)
    assert request.expires_at > timezone.now()
    page = client.get(reverse("cards:detail", args=[card.pk])).content.decode()
    assert f'data-waiting-request="{request.pk}"' in page


def test_reader_of_another_unit_cannot_be_chosen(client, deans_office, card, other_unit):
    foreign = ReaderDeviceFactory(unit=other_unit)
    client.force_login(deans_office)

    client.post(reverse("reader_bridge:request", args=[card.pk]), {"device": str(foreign.pk)})

    assert not ReadRequest.objects.exists()


def test_revoked_reader_cannot_be_chosen(client, deans_office, card, device):
    device.revoked_at = timezone.now()
    device.save()
    client.force_login(deans_office)

    client.post(reverse("reader_bridge:request", args=[card.pk]), {"device": str(device.pk)})

    assert not ReadRequest.objects.exists()


def test_staff_of_another_unit_cannot_request_a_read_of_the_card(client, other_deans_office,
                                                                 card, other_unit):
    their_reader = ReaderDeviceFactory(unit=other_unit)
    client.force_login(other_deans_office)

    response = client.post(reverse("reader_bridge:request", args=[card.pk]),
                           {"device": str(their_reader.pk)})

    assert response.status_code == 404
    assert not ReadRequest.objects.exists()


def test_read_request_is_post_only(client, deans_office, card):
    client.force_login(deans_office)

    assert client.get(reverse("reader_bridge:request", args=[card.pk])).status_code == 405


def test_read_card_form_carries_a_working_csrf_token(deans_office, card, device):
    import re

    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(deans_office)
    page = browser.get(reverse("cards:detail", args=[card.pk])).content.decode()
    form = page[page.index(reverse("reader_bridge:request", args=[card.pk])):]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)

    response = browser.post(reverse("reader_bridge:request", args=[card.pk]),
                            {"device": str(device.pk), "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert ReadRequest.objects.filter(card=card).exists()
