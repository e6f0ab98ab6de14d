"""Confirming holograms for a batch of cards: the page and the API."""

import datetime as dt

import pytest

from django.urls import reverse
from django.utils import timezone

from cards.models import CardEvent, CardState, Hologram
from tests.factories import CardFactory, UserFactory

pytestmark = pytest.mark.django_db
S = CardState
PAGE = reverse("cards:holograms")
API = "/api/cards/confirm-holograms/"


def extended(unit, minutes_ago, **kwargs):
    """A card awaiting its hologram, extended `minutes_ago`."""
    card = CardFactory(serving_unit=unit, state=S.AWAITING_HOLOGRAM, **kwargs)
    CardEvent.objects.create(card=card, action="extend", from_state=S.ACTIVE,
                             to_state=S.AWAITING_HOLOGRAM, source="reader",
                             at=timezone.now() - dt.timedelta(minutes=minutes_ago))
    return card


@pytest.fixture
def queue(unit):
    """Three cards in the order they came out of the reader (not their numbers' order)."""
    return [extended(unit, 30, number="ELS-C"), extended(unit, 20, number="ELS-A"),
            extended(unit, 10, number="ELS-B")]


def post(client, cards, *, first="", picked=None, numbers=None, fill=False):
    picked = cards if picked is None else picked
    data = {"first": first, "card": [c.pk for c in cards]}
    for card in picked:
        data[f"pick-{card.pk}"] = "on"
    for card, number in (numbers or {}).items():
        data[f"number-{card.pk}"] = number
    if fill:
        data["fill"] = "1"
    return client.post(PAGE, data)


def numbers_of(cards):
    return [Hologram.objects.filter(card=c).values_list("number", flat=True).first()
            for c in cards]


def test_the_queue_lists_the_units_cards_in_extension_order(client, deans_office, queue,
                                                            other_unit):
    extended(other_unit, 5)
    CardFactory(serving_unit=queue[0].serving_unit)  # active: nothing to stick on
    client.force_login(deans_office)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.context["form"].cards == queue


def test_first_number_numbers_the_rest_in_queue_order(client, deans_office, queue):
    client.force_login(deans_office)
    response = post(client, queue, first="123 00041")
    assert response.status_code == 302
    assert numbers_of(queue) == ["12300041", "12300042", "12300043"]
    for card in queue:
        card.refresh_from_db()
        assert card.state == S.ACTIVE and card.hologram_count == 1
    message = [str(m) for m in response.wsgi_request._messages]
    assert message == ["Potwierdzono hologramy na 3 legitymacjach: ELS-C (12300041), "
                       "ELS-A (12300042), ELS-B (12300043)."]


def test_a_typed_number_restarts_the_run_and_unticked_cards_wait(client, deans_office, queue):
    client.force_login(deans_office)
    first, second, third = queue
    post(client, queue, first="12300041", picked=[first, third],
         numbers={third: "12300100"})
    assert numbers_of(queue) == ["12300041", None, "12300100"]
    second.refresh_from_db()
    assert second.state == S.AWAITING_HOLOGRAM
    assert client.get(PAGE).context["form"].cards == [second]


def test_fill_in_shows_the_numbers_and_confirms_nothing(client, deans_office, queue):
    client.force_login(deans_office)
    response = post(client, queue, first="12300041", fill=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="12300042"' in html and 'value="12300043"' in html
    assert not Hologram.objects.exists()


def test_a_refused_card_is_listed_and_the_others_are_done(client, deans_office, queue, unit):
    taken = CardFactory(serving_unit=unit, number="ELS-TAKEN")
    Hologram.objects.create(card=taken, number="12300042", event=CardEvent.objects.create(
        card=taken, action="confirm_hologram", from_state=S.AWAITING_HOLOGRAM,
        to_state=S.ACTIVE, source="web"))
    client.force_login(deans_office)
    response = post(client, queue, first="12300041")
    assert numbers_of(queue) == ["12300041", None, "12300043"]
    refused = queue[1]
    refused.refresh_from_db()
    assert (refused.state, refused.hologram_count) == (S.AWAITING_HOLOGRAM, 0)
    assert not refused.events.filter(action="confirm_hologram").exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert ("ELS-A, hologram 12300042: Hologram 12300042 jest już naklejony na legitymację "
            "ELS-TAKEN.") in messages


def test_a_card_moved_meanwhile_is_refused_not_skipped(client, deans_office, queue):
    client.force_login(deans_office)
    CardFactory._meta.model.objects.filter(pk=queue[0].pk).update(state=S.LOST)
    response = post(client, queue, first="12300041")
    assert numbers_of(queue) == [None, "12300042", "12300043"]
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any(m.startswith("ELS-C, hologram 12300041: ") for m in messages)


@pytest.mark.parametrize(("first", "last", "error"), [
    ("", "", "Podaj numer hologramu tej legitymacji albo numer pierwszego hologramu."),
    ("1234", "", "Numer hologramu ma 8 cyfr"),
    ("12300041", "12300041", "Numer 12300041 podano też dla legitymacji"),
    ("12399998", "", "Podaj numer hologramu"),  # the roll ends before the third card
])
def test_bad_input_changes_nothing(client, deans_office, queue, first, last, error):
    """`last`: the number typed for the last card of the queue."""
    client.force_login(deans_office)
    response = post(client, queue, first=first, numbers={queue[-1]: last})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Hologram.objects.exists()
    assert not CardEvent.objects.filter(action="confirm_hologram").exists()


def test_nothing_ticked_is_a_clear_400(client, deans_office, queue):
    client.force_login(deans_office)
    response = post(client, queue, first="12300041", picked=[])
    assert response.status_code == 400
    assert "Zaznacz legitymacje, na które naklejono hologram." in response.content.decode()


def test_another_units_card_smuggled_into_the_form_is_refused(client, deans_office, queue,
                                                              other_unit):
    theirs = extended(other_unit, 1)
    client.force_login(deans_office)
    post(client, [*queue, theirs], first="12300041")
    theirs.refresh_from_db()
    assert theirs.state == S.AWAITING_HOLOGRAM and not theirs.holograms.exists()


def test_only_offices_that_confirm_holograms_see_the_page(client, ssos, outsider):
    for user in (ssos, outsider):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403


def test_usos_office_chooses_a_unit(client, usos_office, queue, other_unit):
    theirs = extended(other_unit, 1)
    client.force_login(usos_office)
    assert client.get(PAGE).context["form"].cards == [*queue, theirs]
    assert client.get(PAGE, {"unit": other_unit.pk}).context["form"].cards == [theirs]


# --- API ---------------------------------------------------------------------------

def api_post(client, entries):
    return client.post(API, {"holograms": [{"card": c.pk, "hologram_number": n}
                                           for c, n in entries]},
                       content_type="application/json")


def test_api_confirms_each_card_and_reports_refusals(client, deans_office, queue):
    client.force_login(deans_office)
    Hologram.objects.create(card=queue[2], number="12300099", event=CardEvent.objects.create(
        card=queue[2], action="confirm_hologram", from_state=S.AWAITING_HOLOGRAM,
        to_state=S.AWAITING_HOLOGRAM, source="web"))
    response = api_post(client, [(queue[0], "12300001"), (queue[1], "12300099")])
    assert response.status_code == 200
    first, second = response.json()["results"]
    assert first == {"card": queue[0].pk, "hologram_number": "12300001", "confirmed": True,
                     "code": None, "detail": None}
    assert (second["confirmed"], second["code"]) == (False, "refused")
    assert "12300099" in second["detail"]
    assert numbers_of(queue[:2]) == ["12300001", None]


@pytest.mark.parametrize("entries", [
    lambda q: [(q[0], "12300001"), (q[1], "12300001")],
    lambda q: [(q[0], "12300001"), (q[0], "12300002")],
    lambda q: [(q[0], "1230000")],
    lambda q: [],
])
def test_api_bad_input_is_400_and_changes_nothing(client, deans_office, queue, entries):
    client.force_login(deans_office)
    response = api_post(client, entries(queue))
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert not Hologram.objects.exists()


def test_api_card_of_another_unit_rejects_the_whole_batch(client, deans_office, queue,
                                                          other_unit):
    theirs = extended(other_unit, 1)
    client.force_login(deans_office)
    response = api_post(client, [(queue[0], "12300001"), (theirs, "12300002")])
    assert response.status_code == 400
    assert not Hologram.objects.exists()


def test_card_detail_api_lists_the_holograms(client, deans_office, queue):
    client.force_login(deans_office)
    api_post(client, [(queue[0], "12300001")])
    detail = client.get(f"/api/cards/{queue[0].pk}/").json()
    assert [h["number"] for h in detail["holograms"]] == ["12300001"]
    assert detail["holograms"][0]["confirmed_by"] == deans_office.get_full_name()


def test_transition_api_needs_the_number(client, deans_office, queue):
    client.force_login(deans_office)
    url = f"/api/cards/{queue[0].pk}/transition/"
    response = client.post(url, {"action": "confirm_hologram"}, content_type="application/json")
    assert response.status_code == 400 and "hologram_number" in response.json()["detail"]
    response = client.post(url, {"action": "confirm_hologram", "hologram_number": "123-00001"},
                           content_type="application/json")
    assert response.status_code == 200
    assert response.json()["holograms"][0]["number"] == "12300001"


def test_another_office_cannot_confirm_through_the_api(client, other_unit, queue):
    clerk = UserFactory(roles=["dziekanat"], units=[other_unit])
    client.force_login(clerk)
    assert api_post(client, [(queue[0], "12300001")]).status_code == 400
    assert not Hologram.objects.exists()


def test_the_queue_page_costs_the_same_queries_for_3_or_30_cards(
        client, deans_office, queue, unit, django_assert_max_num_queries):
    client.force_login(deans_office)
    with django_assert_max_num_queries(12) as few:
        client.get(PAGE)
    for minutes in range(27):
        extended(unit, minutes)
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(PAGE).context["form"].cards) == 30
