from __future__ import annotations

import datetime as dt

import factory

from django.utils import timezone

from cards.models import CardEvent, EventSource
from reader_bridge.models import CardRead, ReaderDevice, ReadOutcome
from tests.factories import CardFactory, UnitFactory


def at(year: int, month: int, day: int = 15, hour: int = 12) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


class CardEventFactory(factory.django.DjangoModelFactory):
    """History rows written directly, so a test can place them at any moment."""

    class Meta:
        model = CardEvent

    card = factory.SubFactory(CardFactory)
    action = "extend"
    from_state = "active"
    to_state = "awaiting_hologram"
    source = EventSource.WEB
    at = factory.LazyFunction(timezone.now)


class ReaderDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReaderDevice

    name = factory.Sequence(lambda n: f"Czytnik {n}")
    unit = factory.SubFactory(UnitFactory)
    public_key_pem = "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"


class CardReadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CardRead

    device = factory.SubFactory(ReaderDeviceFactory)
    message_id = factory.Faker("uuid4")
    body_sha256 = "0" * 64
    body = "{}"
    received_at = factory.LazyFunction(timezone.now)
    read_at = factory.LazyAttribute(lambda read: read.received_at)
    sequence = factory.Sequence(int)
    outcome = ReadOutcome.OK
