"""The people of the browser journeys (the browser fixtures are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from .pages import NARROW, WIDE, horizontal_overflow


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


@pytest.fixture
def both_widths(page, screenshot):
    """Screenshots at 1280 and 390 px; returns how far the narrow page scrolls sideways."""
    page.set_default_navigation_timeout(60_000)  # a live server's first page, on a busy CI box

    def take(name: str) -> int:
        page.set_viewport_size(WIDE)
        screenshot(f"{name}-1280")
        page.set_viewport_size(NARROW)
        screenshot(f"{name}-390")
        overflow = horizontal_overflow(page)
        page.set_viewport_size(WIDE)
        return overflow

    return take
