"""Login throttling (django-axes): per username and address, on both login forms."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt

from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
LOCKED = "Zbyt wiele nieudanych prób logowania na to konto z tego adresu"


@pytest.fixture(autouse=True)
def _three_failures(settings):
    settings.AXES_FAILURE_LIMIT = 3


def _client(address: str = "10.1.1.1") -> Client:
    return Client(REMOTE_ADDR=address)


def _fail(client: Client, username: str, times: int = 3, url: str = "/login/") -> list[int]:
    return [client.post(url, {"username": username, "password": "zle"}).status_code
            for _attempt in range(times)]


@pytest.mark.parametrize("login_url", ["/login/", "/admin/login/"])
def test_three_wrong_passwords_lock_that_user_at_that_address(login_url, admin_user):
    client = _client()
    assert _fail(client, "admin", times=2, url=login_url) == [200, 200]
    third = client.post(login_url, {"username": "admin", "password": "zle"})
    assert third.status_code == 429
    assert LOCKED in third.content.decode() and "15 minut" in third.content.decode()
    right = client.post(login_url, {"username": "admin", "password": "pass"})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # the same user from another address, and another user from this one, are not locked
    assert _client("10.2.2.2").post(login_url, {"username": "admin", "password": "pass"}
                                    ).status_code == 302


def test_another_user_at_the_same_address_is_not_locked(admin_user, deans_office):
    client = _client()
    _fail(client, "admin")
    assert client.post("/login/", {"username": "dziekanat", "password": "pass"}
                       ).status_code == 302


def test_an_administrator_unlocks_a_locked_user(admin_user, deans_office):
    locked = _client()
    assert _fail(locked, "dziekanat") == [200, 200, 429]
    assert locked.post("/login/", {"username": "dziekanat", "password": "pass"}
                       ).status_code == 429
    attempt = AccessAttempt.objects.get(username="dziekanat")
    admin = Client()
    admin.force_login(admin_user)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "dziekanat" in admin.get(changelist).content.decode()
    response = admin.post(changelist, {"action": "delete_selected", "post": "yes",
                                       "_selected_action": [attempt.pk]})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert locked.post("/login/", {"username": "dziekanat", "password": "pass"}
                       ).status_code == 302
