"""The staff second factor (TOTP): enrol, confirm each login, required by setting."""

from __future__ import annotations

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from django.test import Client
from django.urls import reverse

from tests.factories import HolderFactory, UserFactory

pytestmark = pytest.mark.django_db
ENROL, VERIFY = "/account/second-factor/", "/account/second-factor/verify/"


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def _forgive(device: TOTPDevice) -> None:
    """Ends the back-off a wrong code starts (a second and doubling), instead of waiting."""
    device.refresh_from_db()
    device.throttle_reset()


def _log_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": "pass"})
    assert response.status_code == 302
    return client


def test_a_staff_member_enrols_and_then_confirms_every_login(deans_office, card):
    client = _log_in("dziekanat")
    page = client.get(ENROL)
    assert page.status_code == 200
    assert "<svg" in page.content.decode() and page.context["secret"]
    device = TOTPDevice.objects.get(user=deans_office, confirmed=False)
    wrong = client.post(ENROL, {"code": _code(device, steps_ahead=10)})
    assert wrong.status_code == 400
    assert "Ten kod jest nieprawidłowy" in wrong.content.decode()
    _forgive(device)
    assert client.post(ENROL, {"code": _code(device), "next": "/cards/"})["Location"] == "/cards/"
    assert TOTPDevice.objects.get(user=deans_office).confirmed
    assert client.get("/cards/").status_code == 200

    client.post(reverse("logout"))
    client = _log_in("dziekanat")
    for url in ("/", f"/cards/{card.pk}/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(VERIFY), url
    api = client.get(reverse("card-list"))
    assert api.status_code == 403 and api.json()["code"] == "second_factor_required"
    assert card.number not in api.content.decode()
    refused = client.post(VERIFY, {"code": "000000"})
    assert refused.status_code == 400
    assert client.get("/").status_code == 302
    _forgive(device)
    response = client.post(f"{VERIFY}?next=/cards/", {"code": _code(device, steps_ahead=1)})
    assert response.status_code == 302 and response["Location"] == "/cards/"
    assert client.get(f"/cards/{card.pk}/").status_code == 200


def test_without_a_device_staff_need_none_unless_the_setting_requires_it(deans_office,
                                                                          settings):
    assert _log_in("dziekanat").get("/").status_code == 200
    settings.OTP_REQUIRED_FOR_STAFF = True
    client = _log_in("dziekanat")
    response = client.get("/cards/")
    assert response.status_code == 302 and response["Location"].startswith(ENROL)
    assert client.get(ENROL).status_code == 200


def test_holders_log_in_with_one_factor_even_when_staff_need_two(settings):
    settings.OTP_REQUIRED_FOR_STAFF = True
    HolderFactory(user=UserFactory(username="student"))
    client = _log_in("student")
    assert client.get(reverse("cards:mine")).status_code == 200
    assert client.get(ENROL).status_code == 404
