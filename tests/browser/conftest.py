"""The people of the browser journeys (the browser fixtures are in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def scene(transactional_db):
    """The people of a case journey: a dean's office clerk of WMI, an SSOS assessor (who
    gets the fault e-mails), and a student with an account and one active ELS card. The
    fee table's ELS duplicate row is put back (the live-server tests flush the seeded
    rows), and the outbox and the lookup rate limit start empty."""
    import datetime as dt
    from decimal import Decimal
    from types import SimpleNamespace

    from django.core import mail
    from django.core.cache import cache

    from tests.factories import CardFactory, HolderFactory, UnitFactory, UserFactory
    from warranty.models import FeeSchedule

    mail.outbox.clear()
    cache.clear()
    unit = UnitFactory(code="WMI", name="Wydział Matematyki i Informatyki")
    student = UserFactory(username="student", first_name="Jan", last_name="Kowalski",
                          email="jan.kowalski@student.example.edu")
    holder = HolderFactory(user=student, first_name="Jan", last_name="Kowalski",
                           album_number="123456", email=student.email)
    fee, _created = FeeSchedule.objects.get_or_create(
        card_kind="ELS", event="duplicate", valid_from=dt.date(2018, 10, 1),
        defaults={"amount": Decimal("33.00"), "currency": "PLN"})
    return SimpleNamespace(
        unit=unit, holder=holder, student=student, fee=fee,
        clerk=UserFactory(username="dziekanat", first_name="Anna", last_name="Nowak",
                          roles=["dziekanat"], units=[unit]),
        ssos=UserFactory(username="ssos", first_name="Piotr", last_name="Wiśniewski",
                         roles=["ssos"], email="ssos@example.edu"),
        card=CardFactory(serving_unit=unit, holder=holder, number="ELS-000042"),
    )
