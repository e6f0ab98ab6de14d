from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from django.utils import timezone

from cards.models import CardEvent, EventSource
from reader_bridge.models import CardRead, ReaderDevice, ReadOutcome
from tests.factories import CardFactory, UnitFactory
from warranty.models import (
    Assessment,
    Case,
    CaseKind,
    CaseState,
    FeeEvent,
    FeeSchedule,
    Payment,
    PaymentStatus,
)


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


class CaseFactory(factory.django.DjangoModelFactory):
    """A case placed directly in a state and at a moment (the services are tested elsewhere)."""

    class Meta:
        model = Case

    number = factory.Sequence(lambda n: f"R/{n:06d}")
    kind = CaseKind.FAULT
    state = CaseState.AWAITING_CARD
    card = factory.SubFactory(CardFactory)
    unit = factory.LazyAttribute(lambda case: case.card.serving_unit)
    holder = factory.LazyAttribute(lambda case: case.card.holder)
    created_at = factory.LazyFunction(timezone.now)
    state_changed_at = factory.LazyAttribute(lambda case: case.created_at)


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    case = factory.SubFactory(CaseFactory, state=CaseState.WARRANTY_APPROVED)
    outcome = Assessment.Outcome.WARRANTY
    at = factory.LazyFunction(timezone.now)


def duplicate_fee() -> FeeSchedule:
    fee, _ = FeeSchedule.objects.get_or_create(
        card_kind="ELS", event=FeeEvent.DUPLICATE, valid_from=dt.date(2018, 1, 1),
        defaults={"amount": Decimal("33.00")})
    return fee


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    case = factory.SubFactory(CaseFactory, kind=CaseKind.DAMAGE, state=CaseState.PAYMENT_DUE)
    fee = factory.LazyFunction(duplicate_fee)
    amount = Decimal("33.00")
    status = PaymentStatus.DUE
    created_at = factory.LazyFunction(timezone.now)
