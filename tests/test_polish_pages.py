"""Polish as the office reads it: error pages with a way back, one date format, "przed
chwilą", success messages in the past tense."""

from __future__ import annotations

import datetime as dt

import pytest

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cards.templatetags import card_tags
from cards.templatetags.card_tags import Days, ago
from tests.factories import CardFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _polish():
    with translation.override("pl"):
        yield


def test_a_student_opening_a_staff_page_gets_a_polish_403_with_a_way_back(client):
    client.force_login(UserFactory(username="student"))

    response = client.get(reverse("cards:list"))

    page = response.content.decode()
    assert response.status_code == 403
    assert "Nie masz dostępu do tej strony" in page and 'href="/"' in page
    assert 'class="topbar"' in page  # the layout, not a bare "403 Forbidden"


def test_a_missing_page_is_a_polish_404_with_a_way_back(client, deans_office):
    client.force_login(deans_office)

    response = client.get(reverse("cards:detail", args=[999999]))

    assert response.status_code == 404
    assert "Nie znaleziono strony" in response.content.decode()


def test_the_500_page_renders_without_a_request_in_polish():
    page = render_to_string("500.html", {})

    assert "Wystąpił błąd po naszej stronie" in page and 'href="/"' in page


def test_how_long_ago_says_przed_chwila_not_zero_minutes():
    now = timezone.now()

    assert ago(now) == "przed chwilą"
    assert ago(now - dt.timedelta(hours=3, minutes=5)) == "3\xa0godziny temu"


def test_a_moment_is_written_as_its_day_in_warsaw(monkeypatch):
    days = Days()
    at = dt.datetime(2026, 3, 1, 22, 30, tzinfo=dt.UTC)  # 23:30 in Warsaw

    assert [days(at), days(at + dt.timedelta(hours=1)), days(at - dt.timedelta(hours=20))] == [
        "01.03.2026", "02.03.2026", "01.03.2026"]
    monkeypatch.setattr(card_tags, "get_format", lambda name: "d.m.Y H:i")
    with_time = Days()  # a format of the time as well: each moment written
    assert [with_time(at), with_time(at - dt.timedelta(hours=20))] == [
        "01.03.2026 23:30", "01.03.2026 03:30"]


def test_dates_use_the_polish_format_with_dots(client, deans_office, unit):
    card = CardFactory(serving_unit=unit, valid_until=dt.date(2027, 10, 31))
    client.force_login(deans_office)

    page = client.get(reverse("cards:detail", args=[card.pk])).content.decode()
    listing = client.get(reverse("cards:list")).content.decode()

    assert "31.10.2027" in page and "31.10.2027" in listing
    assert "31-10-2027" not in page + listing and "października" not in page


@pytest.mark.usefixtures("cards_alone")
def test_a_card_action_reports_what_was_done_in_the_past_tense(client, deans_office, unit):
    card = CardFactory(serving_unit=unit, state="lost")
    client.force_login(deans_office)

    response = client.post(reverse("cards:act", args=[card.pk, "mark_found"]),
                           {"mark_found-expected_state": "lost"}, follow=True)

    assert "Oznaczono legitymację jako odnalezioną." in response.content.decode()
    assert "Wykonano" not in response.content.decode()
