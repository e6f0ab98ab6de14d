"""Logging in, in a real browser: through the university CAS server, with the staff
second factor, and into the lock-out after wrong passwords."""

from __future__ import annotations

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import CardFactory, HolderFactory, UserFactory
from tests.security.conftest import CAS_PASSWORD, STUDENT_PESEL, cas_server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = (1280, 390)


def _both_widths(page, screenshot, name):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.cas
def test_a_student_logs_in_with_the_university_account(page, screenshot, settings, live_server,
                                                       cas_server):  # noqa: F811
    settings.CAS_SERVER_URL = cas_server
    holder = HolderFactory(first_name="Anna", last_name="Kowalska", pesel=STUDENT_PESEL)
    card = CardFactory(holder=holder)
    page.goto("/login/")
    _both_widths(page, screenshot, "login-with-cas")
    page.get_by_role("link", name="Zaloguj się kontem uczelnianym").click()
    page.wait_for_url(lambda url: url.startswith(f"{cas_server}login"))
    screenshot("cas-server-login")
    page.locator('input[name="username"]').fill("akowalska")
    page.locator('input[name="password"]').fill(CAS_PASSWORD)
    page.locator('button[type="submit"], input[type="submit"]').first.click()
    page.wait_for_url(lambda url: url.startswith(live_server.url) and "login" not in url)
    assert card.number in page.content()
    screenshot("cas-student-home")


def test_a_clerk_sets_up_the_second_factor_and_confirms_the_next_login(page, login,
                                                                       screenshot):
    clerk = UserFactory(username="dziekanat", first_name="Anna", last_name="Nowak",
                        roles=["dziekanat"])
    login("dziekanat")
    page.get_by_role("link", name="Drugi składnik logowania").click()
    page.wait_for_selector(".otp-qr svg")
    _both_widths(page, screenshot, "otp-enrol")
    device = TOTPDevice.objects.get(user=clerk)
    page.get_by_label("Kod z aplikacji uwierzytelniającej").fill(_code(device))
    page.get_by_role("button", name="Potwierdź").click()
    page.wait_for_selector(".message.success")
    login("dziekanat")  # a new session: the code is asked again
    page.goto("/cards/")
    assert "/account/second-factor/verify/" in page.url
    _both_widths(page, screenshot, "otp-verify")
    device.refresh_from_db()
    page.get_by_label("Kod z aplikacji uwierzytelniającej").fill(_code(device, ahead=1))
    page.get_by_role("button", name="Potwierdź").click()
    page.wait_for_url("**/cards/")


def _code(device, ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += ahead * device.step
    return f"{totp.token():06d}"


def test_wrong_passwords_end_in_the_lock_out_page(page, screenshot, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="dziekanat", roles=["dziekanat"])
    for _attempt in range(3):
        page.goto("/login/")
        page.get_by_label("Nazwa użytkownika").fill("dziekanat")
        page.get_by_label("Hasło").fill("zle-haslo")
        page.get_by_role("button", name="Zaloguj").click()
        page.wait_for_load_state()
    assert page.get_by_role("heading", name="Logowanie zablokowane").is_visible()
    _both_widths(page, screenshot, "login-locked")
