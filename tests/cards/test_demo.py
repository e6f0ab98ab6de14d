"""The demo behind `make run`: every card state reached for real, users to log in as."""

import importlib.machinery
import sys
import types
from io import StringIO

import pytest

from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone, translation

from cards import demo, hooks
from cards.errors import ActionRefused
from cards.models import (
    Card,
    CardEvent,
    CardState,
    Enrolment,
    EnrolmentStatus,
    Holder,
    Semester,
    Unit,
)
from legitymacje.management.commands import load_demo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def loaded():
    demo.load(StringIO())


def run_load_demo(*args):
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return {
        "holders": list(Holder.objects.order_by("album_number", "employee_number")
                        .values_list("album_number", "employee_number", "first_name", "pesel")),
        "cards": list(Card.objects.order_by("number").values_list("number", "state")),
        "events": CardEvent.objects.count(),
        "users": sorted(User.objects.values_list("username", flat=True)),
    }


def assert_history_is_real(cards):
    for card in cards.prefetch_related("events__actor__units"):
        events = list(card.events.all())
        assert events[0].action == "issue"
        assert events[-1].to_state == card.state
        assert all(e.actor is not None for e in events[1:]), card
        cuts = [e for e in events if e.action == "confirm_corner_cut"]
        assert all(card.serving_unit in e.actor.units.all() for e in cuts)


def test_cards_demo_alone_reaches_every_state_through_transitions(monkeypatch):
    monkeypatch.setattr(hooks, "_hooks", [])  # no other app reacting to card moves

    demo.load(StringIO())

    assert set(Card.objects.values_list("state", flat=True)) == set(CardState.values)
    assert Holder.objects.count() >= 250
    assert_history_is_real(Card.objects.exclude(state=CardState.ACTIVE))


def test_a_replacement_refused_by_another_app_leaves_the_card_where_it_was(monkeypatch):
    def cases_own_replacements(*, event, **kwargs):
        if event.action == "replace":
            raise ActionRefused("Hand the new card over through the case.")

    monkeypatch.setattr(hooks, "_hooks", [cases_own_replacements])
    out = StringIO()

    demo.load(out)

    states = set(Card.objects.values_list("state", flat=True))
    assert states == set(CardState.values) - {CardState.REPLACED}
    assert "replacements are left to the cases (Hand the new card over" in out.getvalue()


def test_full_demo_loads_with_the_installed_apps():
    run_load_demo()

    states = set(Card.objects.values_list("state", flat=True))
    assert states >= set(CardState.values) - {CardState.REPLACED}
    assert_history_is_real(Card.objects.exclude(state=CardState.ACTIVE))


def test_demo_covers_the_programme_situations_the_rules_distinguish(loaded):
    current = Semester.current(timezone.localdate())
    enrolments = Enrolment.objects
    assert enrolments.filter(status=EnrolmentStatus.ACTIVE, cycle_code=current.cycle_code,
                             next_completion_date__isnull=False).exists()
    assert enrolments.filter(status=EnrolmentStatus.ACTIVE).exclude(
        cycle_code=current.cycle_code).exists()
    assert enrolments.filter(status=EnrolmentStatus.ACTIVE, next_completion_date=None).exists()
    for status in (EnrolmentStatus.SUSPENDED, EnrolmentStatus.REMOVED):
        assert enrolments.filter(status=status).exists()
    graduated_masters = Holder.objects.filter(enrolments__level="second_cycle",
                                              enrolments__status=EnrolmentStatus.GRADUATED)
    assert graduated_masters.filter(enrolments__status=EnrolmentStatus.ACTIVE).exists()
    assert graduated_masters.exclude(enrolments__status=EnrolmentStatus.ACTIVE).exists()
    assert enrolments.filter(level="doctoral").exists()
    assert Holder.objects.filter(employments__ended_on=None).exists()
    assert Holder.objects.filter(employments__ended_on__isnull=False).exists()
    assert Semester.objects.count() >= 3
    assert current.card_valid_until.day == 31 and current.card_valid_until.month in (3, 10)


def test_each_role_has_a_user_with_the_demo_password(loaded):
    users = {u.username: u for u in User.objects.prefetch_related("groups", "units")}
    roles = {name: sorted(g.name for g in users[name].groups.all())
             for name in ("dziekanat", "ssos", "usos", "admin", "student")}
    assert roles == {"dziekanat": ["dziekanat"], "ssos": ["ssos"], "usos": ["usos"],
                     "admin": [], "student": []}
    assert [u.code for u in users["dziekanat"].units.all()] == ["WMI"]
    assert users["admin"].is_superuser
    assert not users["student"].is_staff and not users["student"].is_superuser
    for name in ("dziekanat", "ssos", "usos", "admin", "student"):
        assert users[name].check_password("demo-password"), name
        assert users[name].first_name and users[name].last_name
    student_cards = list(users["student"].holder.cards.values_list("state", flat=True))
    assert len(student_cards) >= 2 and CardState.ACTIVE in student_cards


def test_second_run_is_a_no_op():
    run_load_demo()
    before = snapshot()

    output = run_load_demo()

    assert "already loaded" in output
    assert snapshot() == before
    for username in demo.DEMO_USERNAMES:  # `make run` prints every demo user each time
        assert f"  {username} " in output


def test_demo_output_is_polish_by_default():
    with translation.override("pl"):
        output = run_load_demo()

    assert "Użytkownicy demonstracyjni" in output
    assert "aktywna" in output and " active " not in output


def test_reset_loads_the_same_demo_again(settings):
    settings.DEBUG = True  # a development database
    run_load_demo()
    before = snapshot()

    run_load_demo("--reset")

    assert snapshot() == before


def test_reset_is_refused_without_debug(settings):
    run_load_demo()
    settings.DEBUG = False
    with pytest.raises(load_demo.CommandError):
        run_load_demo("--reset")


def test_other_apps_demos_run_after_the_cards_demo_when_they_exist(monkeypatch):
    seen = []
    fake = types.ModuleType("fake_demo_app")
    fake.__spec__ = importlib.machinery.ModuleSpec("fake_demo_app", None)
    fake.load = lambda stdout: seen.append(Card.objects.count())
    monkeypatch.setitem(sys.modules, "fake_demo_app", fake)
    monkeypatch.setitem(sys.modules, "fake_demo_app.demo", fake)
    monkeypatch.setattr(load_demo, "OPTIONAL_DEMOS", ("no_such_app.demo", "fake_demo_app.demo"))

    run_load_demo()

    assert len(seen) == 1 and seen[0] > 0


def test_demo_refuses_a_database_that_already_uses_its_unit_codes(unit):
    with pytest.raises(load_demo.CommandError, match="WMI"):
        run_load_demo()
    assert not Holder.objects.exists()
    assert not User.objects.filter(username="dziekanat").exists()


def test_reset_never_deletes_holders_that_are_not_the_demos(settings):
    settings.DEBUG = True
    run_load_demo()
    imported = Holder.objects.create(first_name="Ewa", last_name="Spoza", album_number="1")
    Enrolment.objects.create(holder=imported, unit=Unit.objects.get(code="WMI"),
                             programme_code="X", programme_name="X", level="first_cycle",
                             status=EnrolmentStatus.ACTIVE)
    before = snapshot()

    with pytest.raises(load_demo.CommandError):
        run_load_demo("--reset")

    assert snapshot() == before
