"""The landing page per role: counts of what needs the user's action, linking into the
queues, counted in the database with a fixed number of queries."""

from __future__ import annotations

import pytest

from django.urls import reverse

from cards.models import CardState
from tests.factories import CardFactory, HolderFactory, UserFactory
from tests.warranty.helpers import act, open_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def holder_user(db):
    return UserFactory(username="student")


@pytest.fixture
def holder(holder_user):
    return HolderFactory(user=holder_user, album_number="123456")


def _tiles(response) -> dict[str, tuple[int, str]]:
    return {str(tile.label): (tile.count, tile.url)
            for panel in response.context["dashboard"].panels for tile in panel.tiles}


def test_dean_office_sees_its_units_work(client, deans_office, other_deans_office, unit,
                                         other_unit):
    open_case(CardFactory(serving_unit=unit), "damage", deans_office)
    open_case(CardFactory(serving_unit=other_unit), "damage", other_deans_office)
    open_case(CardFactory(serving_unit=other_unit), "lost", other_deans_office)
    CardFactory(serving_unit=unit, state=CardState.AWAITING_HOLOGRAM)
    CardFactory(serving_unit=other_unit, state=CardState.AWAITING_HOLOGRAM)
    client.force_login(deans_office)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    tiles = _tiles(response)
    assert tiles["Duplicate fee due"] == (1, reverse("warranty:list") + "?queue=unit_payment_due")
    assert tiles["Cards awaiting a hologram"] == (1, reverse("cards:holograms"))
    assert tiles["Open cases"][0] == 1
    assert "Every queue of the university" not in response.content.decode()


def test_ssos_sees_cards_to_take_in_and_assess(client, ssos, deans_office, unit):
    open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    act(open_case(CardFactory(serving_unit=unit), "fault", deans_office), "receive_card", ssos)
    act(open_case(CardFactory(serving_unit=unit), "fault", deans_office), "receive_card", ssos)
    client.force_login(ssos)
    tiles = _tiles(client.get(reverse("home")))
    assert tiles["Waiting for the card"][0] == 1
    assert tiles["To assess"] == (2, reverse("warranty:list") + "?queue=to_assess")
    assert tiles["Replacements to hand over"][0] == 0
    assert "Cards awaiting a hologram" not in tiles


def test_usos_office_sees_escalations(client, usos_office, deans_office, card):
    open_case(card, "extension_failure", deans_office, extension_error="no_certificate")
    client.force_login(usos_office)
    tiles = _tiles(client.get(reverse("home")))
    assert tiles["Escalations"] == (1, reverse("warranty:list") + "?queue=escalations")


def test_admin_sees_every_queue_and_the_admin_links(client, admin_user, deans_office, card):
    open_case(card, "damage", deans_office)
    client.force_login(admin_user)
    response = client.get(reverse("home"))
    tiles = _tiles(response)
    assert tiles["Duplicate fee due"][0] == 1 and "Escalations" in tiles
    html = response.content.decode()
    assert reverse("admin:index") in html and reverse("reports:index") in html


def test_holder_sees_own_cards_and_open_cases_only(client, holder, holder_user, deans_office,
                                                   unit):
    mine = CardFactory(serving_unit=unit, holder=holder)
    case = open_case(mine, "lost", deans_office)
    other = open_case(CardFactory(serving_unit=unit), "lost", deans_office)
    client.force_login(holder_user)
    response = client.get(reverse("home"))
    dashboard = response.context["dashboard"]
    assert dashboard.panels == []
    assert [c.pk for c in dashboard.holder_cards] == [mine.pk]
    assert [c.pk for c in dashboard.holder_cases] == [case.pk]
    html = response.content.decode()
    assert case.number in html and other.number not in html
    assert holder.pesel not in html


def test_user_without_role_or_cards_gets_the_welcome_page(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("home"))
    assert [t.name for t in response.templates][0] == "home.html"


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("who", ["deans_office", "ssos", "admin_user"])
def test_dashboard_query_count_does_not_grow(who, request, client, deans_office, ssos, unit,
                                             django_assert_max_num_queries):
    user = request.getfixturevalue(who)
    client.force_login(user)
    open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("home"))
    for _ in range(10):
        act(open_case(CardFactory(serving_unit=unit), "fault", deans_office),
            "receive_card", ssos)
        CardFactory(serving_unit=unit, state=CardState.AWAITING_HOLOGRAM)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("home"))


def test_holder_dashboard_query_count_does_not_grow(client, holder, holder_user, deans_office,
                                                    unit, django_assert_max_num_queries):
    client.force_login(holder_user)
    open_case(CardFactory(serving_unit=unit, holder=holder), "lost", deans_office)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("home"))
    for _ in range(5):
        open_case(CardFactory(serving_unit=unit, holder=holder), "lost", deans_office)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("home"))


def test_nav_links_by_role(client, deans_office, holder_user, holder):
    client.force_login(deans_office)
    links = [url for url, _label in client.get(reverse("home")).context["nav_links"]]
    assert reverse("warranty:list") in links
    client.force_login(holder_user)
    links = [url for url, _label in client.get(reverse("home")).context["nav_links"]]
    assert reverse("warranty:mine") in links and reverse("warranty:list") not in links


def test_someone_with_a_role_but_no_unit_sees_zeros(client):
    user = UserFactory(roles=["dziekanat"])
    client.force_login(user)
    tiles = _tiles(client.get(reverse("home")))
    assert {count for count, _url in tiles.values()} == {0}
