"""Security headers on real responses, private caching, the session idle timeout."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from django.urls import reverse

from legitymacje import middleware

pytestmark = pytest.mark.django_db


def _assert_secure_headers(response):
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_and_api_answers_with_personal_data_are_not_stored(client, deans_office, card):
    client.force_login(deans_office)
    for url in (reverse("home"), reverse("cards:detail", args=[card.pk]),
                reverse("card-list"), reverse("card-detail", args=[card.pk]),
                reverse("api-docs"), reverse("api-schema")):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_secure_headers(response)


def test_anonymous_pages_carry_the_headers_too(client):
    for url in (reverse("login"), reverse("warranty:status-lookup")):
        response = client.get(url)
        assert response.status_code == 200
        _assert_secure_headers(response)


@pytest.fixture
def clock(monkeypatch):
    now = [time.time()]
    monkeypatch.setattr(middleware.time, "time", lambda: now[0])

    def advance(minutes: float) -> None:
        now[0] += minutes * 60

    return advance


def test_an_idle_session_ends_and_an_active_one_does_not(client, deans_office, settings, clock):
    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    client.force_login(deans_office)
    for _ in range(3):  # 87 minutes of work, never 30 without a request
        clock(29)
        assert client.get(reverse("home")).status_code == 200
    clock(31)
    response = client.get(reverse("cards:list"), follow=True)
    assert response.redirect_chain[0][0] == f"{reverse('login')}?next=%2Fcards%2F"
    assert "Nastąpiło wylogowanie po okresie bezczynności" in response.content.decode()
    assert not response.context["user"].is_authenticated
    assert client.get(reverse("home")).status_code == 302
