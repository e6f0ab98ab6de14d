"""Hologram numbers: the format, one card per number, and recording through the service."""

import pytest

from cards import holograms
from cards.errors import ActionRefused
from cards.models import CardEvent, CardState, Hologram
from cards.services import card_act
from tests.factories import CardFactory

pytestmark = pytest.mark.django_db
S = CardState


def confirm(card, actor, number, **kwargs):
    return card_act(card_id=card.pk, action="confirm_hologram", actor=actor, source="web",
                    hologram_number=number, **kwargs)


@pytest.fixture
def awaiting(unit):
    return CardFactory(serving_unit=unit, state=S.AWAITING_HOLOGRAM)


def test_confirmation_records_the_number_with_the_history_entry(awaiting, deans_office):
    confirm(awaiting, deans_office, "12300042")

    awaiting.refresh_from_db()
    assert (awaiting.state, awaiting.hologram_count) == (S.ACTIVE, 1)
    event = awaiting.events.get()
    assert (event.action, event.details) == ("confirm_hologram", {"hologram_number": "12300042"})
    assert event.hologram.number == "12300042" and event.hologram.card == awaiting


def test_a_number_already_on_a_card_is_refused_naming_that_card(unit, awaiting, deans_office,
                                                                english):
    first = CardFactory(serving_unit=unit, state=S.AWAITING_HOLOGRAM, number="ELS-2025-000001")
    confirm(first, deans_office, "12300042")

    with pytest.raises(ActionRefused, match="12300042 is already on card ELS-2025-000001"):
        confirm(awaiting, deans_office, "12300042")

    awaiting.refresh_from_db()
    assert (awaiting.state, awaiting.hologram_count) == (S.AWAITING_HOLOGRAM, 0)
    assert not awaiting.events.exists()


def test_the_polish_refusal_names_the_card(unit, awaiting, deans_office):
    first = CardFactory(serving_unit=unit, state=S.AWAITING_HOLOGRAM, number="ELS-2025-000001")
    confirm(first, deans_office, "12300042")
    with pytest.raises(ActionRefused) as refusal:
        confirm(awaiting, deans_office, "12300042")
    assert refusal.value.message == (
        "Hologram 12300042 jest już naklejony na legitymację ELS-2025-000001.")


@pytest.mark.parametrize(("number", "problem"), [
    ("1230004", "8 digits"),
    ("123000421", "8 digits"),
    ("12a00042", "8 digits"),
    ("45600042", "start with 123"),
])
def test_a_malformed_or_foreign_number_is_refused(awaiting, deans_office, english, number,
                                                  problem):
    with pytest.raises(ActionRefused, match=problem):
        confirm(awaiting, deans_office, number)
    awaiting.refresh_from_db()
    assert awaiting.state == S.AWAITING_HOLOGRAM
    assert not Hologram.objects.exists() and not CardEvent.objects.exists()


def test_the_university_code_is_configurable(settings, awaiting, deans_office):
    settings.HOLOGRAM_UNIVERSITY_CODE = "456"
    with pytest.raises(ActionRefused):
        confirm(awaiting, deans_office, "12300042")
    confirm(awaiting, deans_office, "45600042")
    assert awaiting.holograms.get().number == "45600042"


def test_the_number_is_required(awaiting, deans_office):
    with pytest.raises(ActionRefused):
        card_act(card_id=awaiting.pk, action="confirm_hologram", actor=deans_office,
                 source="web")
    awaiting.refresh_from_db()
    assert awaiting.state == S.AWAITING_HOLOGRAM


def test_numbers_follow_on_the_roll():
    assert holograms.next_number("12300099") == "12300100"
    assert holograms.next_number("12399999") == ""
    assert holograms.fill_in("12300010", ["", "", "12300500", "", ""]) == [
        "12300010", "12300011", "12300500", "12300501", "12300502"]
    assert holograms.fill_in("", ["", "12300007", ""]) == ["", "12300007", "12300008"]
    assert holograms.fill_in("12399999", ["", ""]) == ["12399999", ""]
    assert holograms.normalise(" 123 000-42 ") == "12300042"
