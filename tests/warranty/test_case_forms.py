"""The case page keeps its forms (warranty.case_forms) and its reads panel rendered per
everything they show (cards.fragments): after a step the next view offers the new state's
forms, each viewer's readers are their own, every viewer gets a CSRF token of their own
that the forms accept, and a form sent back with its errors is never kept."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest

from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from cards.fragments import CACHE
from tests.factories import CardFactory, UserFactory
from tests.reader_bridge.factories import ReaderDeviceFactory
from tests.warranty.helpers import CLEAN, act, open_case
from warranty import case_forms
from warranty.models import Comment
from warranty.page_selectors import case_work_for_user
from warranty.selectors import case_detail_for_user

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


def _view(client: Client, case, language: str = "pl") -> str:
    response = client.get(reverse("warranty:detail", args=[case.pk]),
                          HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def _without_tokens(page: str) -> str:
    return re.sub(r'nonce="[^"]*"', "", TOKEN.sub("", page))


def _fresh(client: Client, case, language: str = "pl") -> str:
    caches[CACHE].clear()
    return _view(client, case, language)


@pytest.fixture
def deans(client, deans_office):
    client.force_login(deans_office)
    return client


def test_after_a_step_the_page_offers_the_new_states_forms(card, deans_office, ssos):
    case = open_case(card, "fault", deans_office)
    ssos_client = Client()
    ssos_client.force_login(ssos)
    assert f'-expected_state" value="{case.state}"' in _view(ssos_client, case)
    moved = act(case, "receive_card", ssos)
    kept = _view(ssos_client, case)
    assert f'-expected_state" value="{moved.state}"' in kept
    assert f'-expected_state" value="{case.state}"' not in kept
    assert _without_tokens(kept) == _without_tokens(_fresh(ssos_client, case))


def test_the_forms_follow_the_language(deans, card, deans_office):
    case = open_case(card, "fault", deans_office)
    polish = _view(deans, case, "pl")
    english = _view(deans, case, "en")
    assert "Dodaj komentarz" in polish and "Add comment" in english
    assert _without_tokens(english) == _without_tokens(_fresh(deans, case, "en"))


def test_every_viewer_gets_a_token_of_their_own_that_the_forms_accept(card, deans_office,
                                                                       unit):
    """Two colleagues with the same rights share the kept forms, never the token."""
    case = open_case(card, "fault", deans_office)
    colleague = UserFactory(username="dziekanat-b", roles=["dziekanat"], units=[unit])
    tokens = {}
    for user in (deans_office, colleague):
        viewer = Client(enforce_csrf_checks=True)
        viewer.force_login(user)
        page = _view(viewer, case)
        on_page = set(TOKEN.findall(page))
        assert len(on_page) == 1  # every form of the page, kept or not, the same token
        tokens[user.username] = on_page.pop()
        response = viewer.post(reverse("warranty:comment", args=[case.pk]), {
            "body": f"od {user.username}", "csrfmiddlewaretoken": tokens[user.username]})
        assert response.status_code == 302
    assert tokens["dziekanat"] != tokens["dziekanat-b"]
    assert Comment.objects.filter(case=case).count() == 2


def test_a_form_sent_back_with_its_errors_is_not_kept(deans, card, deans_office):
    case = open_case(card, "fault", deans_office)
    _view(deans, case)
    refused = deans.post(reverse("warranty:comment", args=[case.pk]), {"body": ""})
    assert refused.status_code == 400
    assert 'class="field has-error"' in refused.content.decode()
    page = _view(deans, case)
    assert "has-error" not in page
    assert _without_tokens(page) == _without_tokens(_fresh(deans, case))


def test_the_hand_over_shows_the_viewers_own_readers(card, deans_office, ssos, unit,
                                                     other_unit):
    """The hand-over's new-card panel lists the viewer's readers: never kept."""
    case = open_case(card, "fault", deans_office)
    case = act(case, "receive_card", ssos)
    case = act(case, "approve_warranty", ssos, checklist=CLEAN)
    case = act(case, "order_replacement", ssos)
    case = act(case, "mark_ready", ssos)
    ReaderDeviceFactory(unit=unit, name="Czytnik dziekanatu")
    ReaderDeviceFactory(unit=other_unit, name="Czytnik SSOS")
    deans, ssos_client = Client(), Client()
    deans.force_login(deans_office)
    ssos_client.force_login(ssos)
    for _ in range(2):
        assert "Czytnik dziekanatu" in _view(deans, case)
        page = _view(ssos_client, case)
        assert "Czytnik dziekanatu" not in page and 'name="hand_over-new_chip_serial"' in page


def test_the_reads_panel_lists_the_viewers_readers_as_they_are_now(card, deans_office,
                                                                      unit, other_unit):
    case = open_case(card, "fault", deans_office)
    reader = ReaderDeviceFactory(unit=unit, name="Czytnik dziekanatu")
    ReaderDeviceFactory(unit=other_unit, name="Czytnik WPiA")
    colleague = UserFactory(username="dziekanat-b", roles=["dziekanat"], units=[unit])
    elsewhere = UserFactory(username="dziekanat-c", roles=["dziekanat"],
                            units=[unit, other_unit])
    viewers = {}
    for user in (deans_office, colleague, elsewhere):
        viewers[user.username] = Client(enforce_csrf_checks=True)
        viewers[user.username].force_login(user)
    for _ in range(2):
        page = _view(viewers["dziekanat"], case)
        assert "Czytnik dziekanatu" in page and "Czytnik WPiA" not in page
        assert "Czytnik WPiA" in _view(viewers["dziekanat-c"], case)
    page = _view(viewers["dziekanat-b"], case)
    token, = set(TOKEN.findall(page))  # the panel's form too
    response = viewers["dziekanat-b"].post(
        reverse("reader_bridge:request", args=[card.pk]),
        {"device": reader.pk, "case": case.pk, "csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    type(reader).objects.filter(pk=reader.pk).update(revoked_at=timezone.now())
    page = _view(viewers["dziekanat"], case)
    assert "Czytnik dziekanatu" not in page and 'name="device"' not in page


def test_the_key_names_everything_the_forms_show(card, deans_office, monkeypatch):
    """Each of these changes what the forms show, so each must change the key."""
    case = open_case(card, "damage", deans_office)
    detail = case_detail_for_user(deans_office, case.pk)
    work = case_work_for_user(deans_office, detail.case)
    step = detail.steps[0]
    key = case_forms._key(detail, work)
    other_case = replace(detail, case=open_case(CardFactory(serving_unit=card.serving_unit),
                                                "damage", deans_office))
    changed = {
        "the case": lambda: case_forms._key(other_case, work),
        "its state": lambda: case_forms._key(
            replace(detail, case=_with_state(detail.case, "in_assessment")), work),
        "a refusal": lambda: case_forms._key(
            replace(detail, steps=[{**step, "refusal": "nie teraz"}, *detail.steps[1:]]),
            work),
        "the steps": lambda: case_forms._key(replace(detail, steps=detail.steps[1:]), work),
        "the fee's forms": lambda: case_forms._key(
            detail, replace(work, payment_actions=["refund"])),
        "the attempts' form": lambda: case_forms._key(
            detail, replace(work, can_record_attempt=not work.can_record_attempt)),
        "working on the case": lambda: case_forms._key(
            replace(detail, can_work=not detail.can_work), work),
    }
    for change, new_key in changed.items():
        assert new_key() != key, change
    with translation.override("en"):
        assert case_forms._key(detail, work) != key, "the language"
    tomorrow = case_forms.timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(case_forms.timezone, "localdate", lambda: tomorrow)
    assert case_forms._key(detail, work) != key, "today"


def _with_state(case, state: str):
    moved = type(case).objects.get(pk=case.pk)
    moved.__dict__["state"] = state  # the state field refuses a direct change
    return moved
