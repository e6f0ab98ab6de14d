"""Browser journeys: Playwright driving Debian's Chromium against a live server.

Browsers are never downloaded: Chromium comes from the system (`apt-get install
chromium`, done by .ci/run). Screenshots of key pages land in test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# for set-up are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="pl-PL",
                                   viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(page):
    def as_user(username: str, password: str = "pass") -> None:
        page.context.clear_cookies()  # a journey may hand over from one person to the next
        page.goto("/login/")
        page.get_by_label("Nazwa użytkownika").fill(username)
        page.get_by_label("Hasło").fill(password)
        page.get_by_role("button", name="Zaloguj").click()
        page.wait_for_url(lambda url: "/login/" not in url)

    return as_user


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
