"""Single sign-on through a real CAS server (django-cas-server in its own process)."""

from __future__ import annotations

import re

import httpx
import pytest

from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import CardFactory, HolderFactory
from tests.security.conftest import CAS_PASSWORD, STUDENT_PESEL

pytestmark = [pytest.mark.django_db, pytest.mark.cas]
NOT_LINKED = "Twoje konto uczelniane nie jest powiązane"


def _log_in_at_cas(login_url: str, username: str, password: str) -> str:
    """Fill in the CAS server's own login form, as the user's browser would; returns where
    the CAS server sends the browser back to (the service URL with its ticket)."""
    with httpx.Client() as browser:
        form = browser.get(login_url)
        assert form.status_code == 200
        fields = dict(re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', form.text))
        fields.update(username=username, password=password)
        fields.pop("warn", None)
        answer = browser.post(str(form.url), data=fields)
    assert answer.status_code == 302, answer.text[:2000]
    return answer.headers["location"]


def _sso_login(client, cas_url: str, username: str, next_page: str = "/"):
    start = client.get(reverse("cas-login"), {"next": next_page})
    assert start.status_code == 302
    assert start["Location"].startswith(f"{cas_url}login?service=")
    back = _log_in_at_cas(start["Location"], username, CAS_PASSWORD)
    assert back.startswith("http://testserver/cas/login/?ticket=ST-")
    return client.get(back.removeprefix("http://testserver"))


def _logged_in_user(client):
    return client.get(reverse("home")).wsgi_request.user


def test_staff_log_in_to_their_own_account(client, deans_office, card, with_cas):
    response = _sso_login(client, with_cas, "dziekanat", next_page="/cards/")
    assert response.status_code == 302 and response["Location"] == "/cards/"
    assert _logged_in_user(client) == deans_office
    assert card.number in client.get("/cards/").content.decode()


def test_a_holder_is_found_by_pesel_and_gets_an_account_for_cas_only(client, with_cas):
    holder = HolderFactory(pesel=STUDENT_PESEL)
    card = CardFactory(holder=holder)
    assert _sso_login(client, with_cas, "akowalska").status_code == 302
    holder.refresh_from_db()
    user = _logged_in_user(client)
    assert holder.user == user and user.username == "akowalska"
    assert not user.has_usable_password()
    assert card.number in client.get(reverse("cards:mine")).content.decode()
    client.post(reverse("logout"))
    _sso_login(client, with_cas, "akowalska")  # the second login finds the same account
    assert _logged_in_user(client) == user
    assert get_user_model().objects.filter(username="akowalska").count() == 1


def test_a_holder_is_found_by_album_number(client, with_cas):
    holder = HolderFactory(album_number="654321")
    _sso_login(client, with_cas, "s654321")
    holder.refresh_from_db()
    assert holder.user is not None and _logged_in_user(client) == holder.user


def test_a_university_user_unknown_here_is_refused_in_polish(client, with_cas):
    response = _sso_login(client, with_cas, "obcy")
    assert response.status_code == 302 and response["Location"] == reverse("login")
    page = client.get(reverse("login")).content.decode()
    assert NOT_LINKED in page
    assert not _logged_in_user(client).is_authenticated
    assert not get_user_model().objects.filter(username="obcy").exists()


def test_a_forged_ticket_logs_nobody_in(client, deans_office, with_cas):
    response = client.get(reverse("cas-login"), {"ticket": "ST-forged-0000"})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "Logowanie przez konto uczelniane nie powiodło się" in client.get(
        reverse("login")).content.decode()
    assert not _logged_in_user(client).is_authenticated


def test_the_login_page_offers_both_ways_in(client, settings, with_cas):
    page = client.get(reverse("login")).content.decode()
    assert "Zaloguj się kontem uczelnianym" in page and 'name="password"' in page
    settings.CAS_SERVER_URL = ""
    page = client.get(reverse("login")).content.decode()
    assert "Zaloguj się kontem uczelnianym" not in page and 'name="password"' in page
    assert client.get(reverse("cas-login")).status_code == 404


def test_logging_out_ends_the_cas_session_too(client, deans_office, with_cas):
    _sso_login(client, with_cas, "dziekanat")
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"].startswith(f"{with_cas}logout")
    assert not _logged_in_user(client).is_authenticated


def test_a_cas_server_that_does_not_answer_is_a_message_not_a_500(client, settings):
    settings.CAS_SERVER_URL = "http://127.0.0.1:9/cas/"
    response = client.get(reverse("cas-login"), {"ticket": "ST-whatever"}, follow=True)
    assert response.status_code == 200
    assert "Uczelniana usługa logowania nie odpowiada" in response.content.decode()


def test_bad_tickets_lock_nobody_out_of_single_sign_on(client, settings, deans_office,
                                                        with_cas):
    """Passwords are tried (and throttled) on the CAS server; here a bad ticket is only
    refused, so nobody behind the same address can lock the others out."""
    settings.AXES_FAILURE_LIMIT = 3
    for _attempt in range(5):
        assert client.get(reverse("cas-login"), {"ticket": "ST-forged"}).status_code == 302
    assert _sso_login(client, with_cas, "dziekanat").status_code == 302
    assert _logged_in_user(client) == deans_office
