"""The reader desk: the latest reads at my unit's readers, each with the page to open."""

from __future__ import annotations

import datetime as dt

import pytest

from django.urls import reverse
from django.utils import timezone

from reader_bridge.models import Diagnosis
from tests.factories import CardFactory
from tests.warranty.helpers import open_case

from .factories import ReaderDeviceFactory
from .test_live import make_read

pytestmark = pytest.mark.django_db


@pytest.fixture
def device(unit):
    return ReaderDeviceFactory(unit=unit, name="pc-dziekanat")


def test_desk_lists_reads_at_my_readers_with_the_page_to_open(client, deans_office, unit,
                                                               device, other_unit):
    card = CardFactory(serving_unit=unit)
    with_case = CardFactory(serving_unit=unit)
    case = open_case(with_case, "fault", deans_office)
    elsewhere = CardFactory(serving_unit=other_unit)  # another unit's card on my reader
    make_read(card, device, diagnosis=Diagnosis.OK, minutes_ago=3)
    make_read(with_case, device, diagnosis=Diagnosis.OK, minutes_ago=2)
    make_read(elsewhere, device, diagnosis=Diagnosis.OK, minutes_ago=1)
    make_read(None, device, diagnosis=Diagnosis.UNKNOWN_CARD, chip_serial="04DEADBEEF00AA")
    make_read(card, ReaderDeviceFactory(unit=other_unit))  # not my reader
    client.force_login(deans_office)

    rows = client.get(reverse("reader_bridge:desk-poll")).json()["reads"]

    assert [(row["card"], row["open_url"]) for row in rows] == [
        ("brak w systemie", ""),
        (str(elsewhere), ""),
        (str(with_case), reverse("warranty:detail", args=[case.pk])),
        (str(card), reverse("cards:detail", args=[card.pk])),
    ]
    assert rows[0]["chip_serial"] == "04DEADBEEF00AA"
    page = client.get(reverse("reader_bridge:desk")).content.decode()
    assert "04DEADBEEF00AA" in page and f'href="/cards/{card.pk}/"' in page
    assert "<script>" not in page and "onclick" not in page


def test_desk_poll_gives_only_new_reads(client, deans_office, card, device):
    make_read(card, device, minutes_ago=10)
    fresh = make_read(card, device)
    client.force_login(deans_office)
    since = (timezone.now() - dt.timedelta(minutes=1)).isoformat()

    rows = client.get(reverse("reader_bridge:desk-poll"), {"since": since}).json()["reads"]

    assert [row["id"] for row in rows] == [fresh.pk]


def test_desk_refuses_a_bad_since_and_holders(client, deans_office, outsider):
    client.force_login(deans_office)
    assert client.get(reverse("reader_bridge:desk-poll"), {"since": "yesterday"}).status_code \
        == 400
    client.force_login(outsider)
    assert client.get(reverse("reader_bridge:desk")).status_code == 403
    assert client.get(reverse("reader_bridge:desk-poll")).status_code == 403


def test_an_ssos_reader_opens_any_units_card_or_its_case_on_the_assessors_desk(
        client, ssos, deans_office, unit, other_unit):
    ssos_reader = ReaderDeviceFactory(unit=None, for_ssos=True, name="ssos-pc")
    elsewhere = CardFactory(serving_unit=other_unit)
    taken_in = CardFactory(serving_unit=unit)
    case = open_case(taken_in, "fault", deans_office)
    make_read(elsewhere, ssos_reader, diagnosis=Diagnosis.OK, minutes_ago=1)
    make_read(taken_in, ssos_reader, diagnosis=Diagnosis.OK)
    client.force_login(ssos)

    rows = client.get(reverse("reader_bridge:desk-poll")).json()["reads"]

    assert [(row["reader"], row["open_url"]) for row in rows] == [
        ("ssos-pc", reverse("warranty:detail", args=[case.pk])),
        ("ssos-pc", reverse("cards:detail", args=[elsewhere.pk])),
    ]
    client.force_login(deans_office)  # SSOS's reader is not the dean's office's
    assert client.get(reverse("reader_bridge:desk-poll")).json()["reads"] == []


def test_ssos_enrols_its_own_reader(client, ssos):
    from reader_bridge.services import device_enrol, enrolment_code_create

    from .factories import device_key, public_pem

    code = enrolment_code_create(for_ssos=True)
    device = device_enrol(code=code.code, public_key_pem=public_pem(device_key()),
                          name="ssos-pc")

    assert (device.unit, device.for_ssos, str(device)) == (None, True, "ssos-pc (SSOS)")
    client.force_login(ssos)
    assert "ssos-pc" in client.get(reverse("reader_bridge:desk")).content.decode()


def test_a_reader_belongs_to_a_unit_or_to_ssos(unit):
    from django.db import IntegrityError, transaction

    with transaction.atomic(), pytest.raises(IntegrityError):
        ReaderDeviceFactory(unit=unit, for_ssos=True)
    with transaction.atomic(), pytest.raises(IntegrityError):
        ReaderDeviceFactory(unit=None, for_ssos=False)
