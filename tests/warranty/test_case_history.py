"""The case page keeps its timeline, photos and attempts rendered per version of the case
(warranty.case_history), a version the database draws anew on every write of what they
show (migration 0008): every kind of write shows on the next view, and nothing one viewer
sees reaches another. On PostgreSQL and on SQLite, whichever the suite runs on."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from PIL import Image

from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cards.fragments import CACHE
from cards.models import CardEvent
from tests.factories import CardFactory, UserFactory
from tests.warranty.helpers import act, open_case
from warranty.models import Attachment, Case, Comment, Notification
from warranty.services import case_attachment_add, case_comment_add, case_record_attempt

pytestmark = pytest.mark.django_db

NOW = timezone.now


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "JPEG")
    return SimpleUploadedFile("card.jpg", buffer.getvalue())


def _sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _now_in_db() -> object:
    return connection.ops.adapt_datetimefield_value(NOW())


def _step(case, people):
    act(case, "receive_card", people["ssos"])
    return "Przyjęto legitymację."


def _comment(case, people):
    case_comment_add(case_id=case.pk, actor=people["deans"], body="Karta pęknięta w rogu")
    return "Karta pęknięta w rogu"


def _comment_edited_in_bulk(case, people):
    Comment.objects.create(case=case, author=people["deans"], body="pierwsza wersja")
    assert "pierwsza wersja" in _view_twice(people["client"], case)
    Comment.objects.filter(case=case).update(body="poprawiona wersja")
    return "poprawiona wersja"


def _comment_deleted(case, people):
    Comment.objects.create(case=case, author=people["deans"], body="do usunięcia")
    assert "do usunięcia" in _view_twice(people["client"], case)
    Comment.objects.filter(case=case).delete()
    return "!do usunięcia"


def _comment_author_renamed(case, people):
    Comment.objects.create(case=case, author=people["ssos"], body="ocena")
    assert "· ssos</span>" in _view_twice(people["client"], case)
    people["ssos"].username = "ssos-nowy"
    people["ssos"].save(update_fields=["username"])
    return "· ssos-nowy</span>"


def _photo_added(case, people):
    case_attachment_add(case_id=case.pk, actor=people["deans"], upload=_photo(),
                        description="zdjęcie awersu")
    return "zdjęcie awersu"


def _photo_described_in_sql(case, people):
    case_attachment_add(case_id=case.pk, actor=people["deans"], upload=_photo())
    assert "Zdjęcie legitymacji" in _view_twice(people["client"], case)
    _sql("UPDATE warranty_attachment SET description = %s WHERE case_id = %s",
         ["rewers po zmianie", case.pk])
    return "rewers po zmianie"


def _photo_deleted(case, people):
    photo = case_attachment_add(case_id=case.pk, actor=people["deans"], upload=_photo(),
                                description="zdjęcie do usunięcia")
    assert "zdjęcie do usunięcia" in _view_twice(people["client"], case)
    Attachment.objects.filter(pk=photo.pk).delete()
    return "!zdjęcie do usunięcia"


def _email(case, people):
    Notification.objects.create(case=case, template="t", recipient="anna@example.edu",
                                subject="Twoja legitymacja", body_text="", body_html="")
    return "Twoja legitymacja"


def _email_sent(case, people):
    Notification.objects.create(case=case, template="t", recipient="anna@example.edu",
                                subject="Wysyłka", body_text="", body_html="")
    assert "Wysyłka" in _view_twice(people["client"], case)
    Notification.objects.filter(case=case).update(status="sent", sent_at=NOW())
    return "wysłany"


def _case_event_in_sql(case, people):
    _sql("INSERT INTO warranty_caseevent (case_id, action, from_state, to_state, actor_name,"
         " at, source, note, details) VALUES (%s, 'assign', %s, %s, 'Ktoś', %s, 'web',"
         " 'notatka z SQL', '{}')", [case.pk, case.state, case.state, _now_in_db()])
    return "notatka z SQL"


def _card_event(case, people):
    CardEvent.objects.bulk_create([CardEvent(
        card=case.card, action="note", from_state=case.card.state, to_state=case.card.state,
        actor_name="Legitymacje", source="web", reason="karta zgłoszona w USOS")])
    return "karta zgłoszona w USOS"


def _card_event_in_sql(case, people):
    CardEvent.objects.bulk_create([CardEvent(
        card=case.card, action="note", from_state=case.card.state, to_state=case.card.state,
        source="web", reason="pierwotny powód")])
    assert "pierwotny powód" in _view_twice(people["client"], case)
    _sql("UPDATE cards_cardevent SET reason = %s WHERE card_id = %s",
         ["powód poprawiony", case.card_id])
    return "powód poprawiony"


def _holder_renamed(case, people):
    case.holder.last_name = "Zmieniona"
    case.holder.save()
    return "Zmieniona"


def _case_row_in_sql(case, people):
    _sql("UPDATE warranty_case SET created_at = %s WHERE id = %s",
         [connection.ops.adapt_datetimefield_value(case.created_at.replace(year=2020)),
          case.pk])
    return "2020"


CHANGES: dict[str, Callable] = {
    "a step (history, card history)": _step,
    "a comment": _comment,
    "a comment edited in bulk": _comment_edited_in_bulk,
    "a comment deleted": _comment_deleted,
    "a comment author's new username": _comment_author_renamed,
    "a photo": _photo_added,
    "a photo's description in SQL": _photo_described_in_sql,
    "a photo deleted": _photo_deleted,
    "an e-mail": _email,
    "an e-mail sent (status)": _email_sent,
    "a history row in SQL": _case_event_in_sql,
    "a card history row": _card_event,
    "a card history row changed in SQL": _card_event_in_sql,
    "the holder renamed": _holder_renamed,
    "the case row in SQL": _case_row_in_sql,
}


def _view(client: Client, case: Case):
    response = client.get(reverse("warranty:detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="pl")
    assert response.status_code == 200
    return response


def _view_twice(client: Client, case: Case) -> str:
    """The page as a second view shows it: its parts kept from the first."""
    _view(client, case)
    return _view(client, case).content.decode()


@pytest.fixture
def people(client, deans_office, ssos):
    client.force_login(deans_office)
    return {"client": client, "deans": deans_office, "ssos": ssos}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_every_change_shows_on_the_next_view(change, people, card):
    case = open_case(card, "fault", people["deans"])
    _view_twice(people["client"], case)
    expected = change(case, people)
    kept = _view(people["client"], case)
    caches[CACHE].clear()
    fresh = _view(people["client"], case)
    assert kept.context["history"] == fresh.context["history"]
    page = kept.content.decode()
    if expected.startswith("!"):
        assert expected[1:] not in page
    else:
        assert expected in page


def test_an_attempt_shows_on_the_next_view(people, card):
    case = open_case(card, "extension_failure", people["deans"],
                     extension_error="card_read_failed")
    _view_twice(people["client"], case)
    case_record_attempt(case_id=case.pk, actor=people["deans"], source="web",
                        succeeded=False, note="druga próba w czytniku")
    page = _view(people["client"], case).content.decode()
    assert "druga próba w czytniku" in page


@pytest.mark.postgres
def test_a_truncated_table_shows_on_the_next_view(people, card):
    case = open_case(card, "fault", people["deans"])
    case_comment_add(case_id=case.pk, actor=people["deans"], body="przed TRUNCATE")
    assert "przed TRUNCATE" in _view_twice(people["client"], case)
    _sql("SET CONSTRAINTS ALL IMMEDIATE", [])  # the test's pending foreign-key checks
    _sql("TRUNCATE warranty_comment", [])
    assert "przed TRUNCATE" not in _view(people["client"], case).content.decode()


def test_a_kept_view_reads_no_history(people, card):
    case = open_case(card, "fault", people["deans"])
    _view(people["client"], case)
    tables = ("warranty_caseevent", "warranty_comment", "warranty_attachment",
              "warranty_notification", "cards_cardevent")
    with CaptureQueriesContext(connection) as captured:
        _view(people["client"], case)
    read = [q["sql"] for q in captured if any(f'"{t}"' in q["sql"] for t in tables)]
    assert read == []


# --- viewers ------------------------------------------------------------------------

def _normalised(page: str) -> str:
    """The page without what differs on every request (tokens, the CSP nonce)."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    return re.sub(r'nonce="[^"]*"', "", page)


def test_viewers_with_different_rights_do_not_share_what_they_see(
        client, card, holder_user, deans_office, ssos, usos_office, admin_user, unit):
    """Each viewer's page, with the parts kept from every other viewer's view, is the page
    they get when nothing is kept: staff who may work on the case (forms) and who may not,
    another language, and the holder (whose page leaves out what staff wrote for staff)."""
    case = open_case(card, "fault", deans_office)
    case_comment_add(case_id=case.pk, actor=deans_office, body="tylko dla personelu")
    case_comment_add(case_id=case.pk, actor=deans_office, body="dla studenta",
                     visible_to_holder=True)
    colleague = UserFactory(username="dziekanat-b", roles=["dziekanat"], units=[unit])
    viewers = [(deans_office, "pl"), (ssos, "pl"), (usos_office, "pl"), (admin_user, "pl"),
               (deans_office, "en"), (colleague, "en"), (holder_user, "pl")]

    def page(user, language: str) -> str:
        viewer = Client()
        viewer.force_login(user)
        response = viewer.get(reverse("warranty:detail", args=[case.pk]),
                              HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, (user, language)
        return _normalised(response.content.decode())

    alone = {}
    for user, language in viewers:
        caches[CACHE].clear()
        alone[user.username, language] = page(user, language)
    for user, language in viewers:  # every other viewer's parts are kept by now
        assert page(user, language) == alone[user.username, language], (user, language)
    for user, language in reversed(viewers):
        assert page(user, language) == alone[user.username, language], (user, language)
    assert "tylko dla personelu" not in alone["student", "pl"]
    assert "dla studenta" in alone["student", "pl"]
    assert "tylko dla personelu" in alone["ssos", "pl"]
    assert alone["dziekanat", "pl"] != alone["dziekanat", "en"]


def test_another_units_office_sees_nothing_kept(client, card, deans_office,
                                                other_deans_office):
    case = open_case(card, "fault", deans_office)
    client.force_login(deans_office)
    _view_twice(client, case)
    client.force_login(other_deans_office)
    assert client.get(reverse("warranty:detail", args=[case.pk])).status_code == 404


def test_the_version_is_drawn_anew_by_the_database(card, deans_office):
    case = open_case(card, "fault", deans_office)
    versions = [Case.objects.get(pk=case.pk).timeline_version]
    case_comment_add(case_id=case.pk, actor=deans_office, body="x")
    versions.append(Case.objects.get(pk=case.pk).timeline_version)
    Case.objects.filter(pk=case.pk).update(description="opis")  # any write of the case
    versions.append(Case.objects.get(pk=case.pk).timeline_version)
    other = open_case(CardFactory(serving_unit=card.serving_unit), "fault", deans_office)
    versions.append(Case.objects.get(pk=other.pk).timeline_version)
    assert None not in versions and len(set(versions)) == len(versions)
