"""Redis down: sessions keep working from the database, rate limits fail closed."""

from __future__ import annotations

import socket

import pytest

from django.urls import reverse

from tests.warranty.helpers import act, open_case

pytestmark = pytest.mark.django_db


def _dead_redis_url() -> str:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def redis_down(settings):
    """The production caches, pointed at a Redis that is not there."""
    url = _dead_redis_url()
    options = {"socket_connect_timeout": 1, "socket_timeout": 1}
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": url, "OPTIONS": options},
        "sessions": {"BACKEND": "legitymacje.cache.DegradingRedisCache",
                     "LOCATION": url, "OPTIONS": options},
    }


def test_login_and_pages_work_while_redis_is_down(client, deans_office, card, redis_down):
    response = client.post(reverse("login"), {"username": "dziekanat", "password": "pass"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    for url in (reverse("home"), reverse("cards:detail", args=[card.pk]), reverse("card-list")):
        assert client.get(url).status_code == 200, url
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_every_report_page_shows_while_redis_is_down(client, admin_user, card, redis_down):
    from reports.registry import REPORTS

    client.force_login(admin_user)
    assert client.get(reverse("reports:index")).status_code == 200
    for slug in REPORTS:
        assert client.get(reverse("reports:detail", args=[slug])).status_code == 200, slug


def test_a_wrong_password_while_redis_is_down_is_a_plain_refusal(client, deans_office,
                                                                 redis_down):
    response = client.post(reverse("login"), {"username": "dziekanat", "password": "nie"})
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated


def test_the_status_lookup_refuses_with_503_while_its_rate_limit_cannot_count(
        client, card, deans_office, ssos, redis_down):
    case = act(open_case(card, "fault", deans_office), "receive_card", ssos)
    response = client.post(reverse("warranty:status-lookup"),
                           {"number": case.number, "album_number": card.holder.album_number})
    assert response.status_code == 503
    page = response.content.decode()
    assert "Sprawdzanie statusu jest chwilowo niedostępne" in page
    assert response.context.get("result") is None
    assert client.get(reverse("warranty:status-lookup")).status_code == 200


def test_a_signed_read_is_accepted_while_redis_is_down(client, django_capture_on_commit_callbacks,
                                                      settings):
    """The read is stored and stays pending: the sweeper schedules it once Redis is back."""
    from reader_bridge import services
    from reader_bridge.models import CardRead, ProcessingState
    from tests.reader_bridge.factories import ReaderDeviceFactory, post_read, read_body

    settings.REDIS_URL = _dead_redis_url()
    services._redis.cache_clear()
    device = ReaderDeviceFactory()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = post_read(client, device, read_body(sequence=1))
    finally:
        services._redis.cache_clear()

    assert response.status_code == 201
    assert CardRead.objects.get().state == ProcessingState.PENDING

