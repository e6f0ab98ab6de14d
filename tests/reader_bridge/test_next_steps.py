"""A refusal offers its next step as a button, the same on the card page, the batch page
and the reader desk (`warranty.next_steps`)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from django.urls import reverse
from django.utils import timezone

from cards.models import EnrolmentStatus
from reader_bridge.models import Diagnosis, ExtensionRefusal, ExtensionSession
from tests.warranty.helpers import open_case
from warranty.next_steps import forgery_next_step

from .test_live import make_read

pytestmark = pytest.mark.django_db


@pytest.fixture
def removed(extendable):
    """A student finally removed from the list: the extension is refused (not settled)
    and the ground for invalidation holds."""
    extendable.holder.enrolments.update(status=EnrolmentStatus.REMOVED)
    return extendable


def is_checked(page: str, value: str) -> bool:
    radio = re.search(rf'<input[^>]*value="{value}"[^>]*>', page)
    return radio is not None and " checked" in radio[0]


def invalidation_url(card) -> str:
    return reverse("warranty:open", args=[card.pk, "invalidation"]) + "?ground=removed_from_list"


def test_card_page_offers_the_invalidation_with_the_ground_prefilled(client, deans_office,
                                                                     removed):
    client.force_login(deans_office)

    page = html.unescape(client.get(reverse("cards:detail", args=[removed.pk])).content.decode())

    assert "nie jest rozliczon" in page
    assert f'href="{invalidation_url(removed)}">Załóż unieważnienie</a>' in page
    form = client.get(invalidation_url(removed)).content.decode()
    assert is_checked(form, "removed_from_list")


def test_a_holder_not_settled_otherwise_gets_the_extension_failure_recorded(
        client, deans_office, extendable):
    extendable.holder.enrolments.update(cycle_code="OLD")
    client.force_login(deans_office)
    url = (reverse("warranty:open", args=[extendable.pk, "extension_failure"])
           + "?extension_error=not_settled")

    page = html.unescape(client.get(reverse("cards:detail", args=[extendable.pk]))
                         .content.decode())

    assert f'href="{url}">Zapisz błąd przedłużenia</a>' in page
    assert "Załóż unieważnienie" not in page
    assert is_checked(client.get(url).content.decode(), "not_settled")


def test_the_reader_desk_offers_the_same_step(client, deans_office, removed, device):
    make_read(removed, device, diagnosis=Diagnosis.EXPIRED)
    client.force_login(deans_office)

    row = client.get(reverse("reader_bridge:desk-poll")).json()["reads"][0]

    assert (row["next_label"], row["next_url"]) == ("Załóż unieważnienie",
                                                    invalidation_url(removed))
    assert "Załóż unieważnienie" in client.get(reverse("reader_bridge:desk")).content.decode()


def test_the_batch_page_offers_the_same_step(client, deans_office, removed, device):
    session = ExtensionSession.objects.create(
        device=device, started_by=deans_office,
        expires_at=timezone.now() + dt.timedelta(hours=1))
    ExtensionRefusal.objects.create(session=session, card=removed, reason="nie rozliczony",
                                    extension_error="not_settled")
    client.force_login(deans_office)

    rows = client.get(reverse("reader_bridge:batch-progress", args=[session.pk])).json()["rows"]

    assert (rows[0]["next_label"], rows[0]["next_url"]) == ("Załóż unieważnienie",
                                                            invalidation_url(removed))


def test_no_step_is_offered_that_the_role_may_not_take(client, ssos, removed):
    from .factories import ReaderDeviceFactory

    make_read(removed, ReaderDeviceFactory(unit=None, for_ssos=True), diagnosis=Diagnosis.OK)
    client.force_login(ssos)  # SSOS reads the card, but only a dean's office invalidates

    row = client.get(reverse("reader_bridge:desk-poll")).json()["reads"][0]

    assert row["open_url"] == reverse("cards:detail", args=[removed.pk])
    assert (row["next_label"], row["next_url"]) == ("", "")


def test_a_card_action_refused_by_its_case_leads_to_that_case(client, deans_office, card):
    from tests.warranty.helpers import open_case
    from warranty.services import payment_mark_paid

    case = open_case(card, "lost", deans_office)
    payment_mark_paid(case_id=case.pk, actor=deans_office, source="web", reference="R-1",
                      paid_on=timezone.localdate())
    client.force_login(deans_office)

    response = client.post(reverse("cards:act", args=[card.pk, "mark_found"]),
                           {"mark_found-expected_state": "lost"})

    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "zwróć ją" in page  # the fee was paid: refund it first, on the case
    assert (f'href="{reverse("warranty:detail", args=[case.pk])}">'
            f"Przejdź do zgłoszenia {case.number}</a>") in page
    card.refresh_from_db()
    assert card.state == "lost"


def test_a_refused_invalidation_offers_the_ground_that_holds(client, deans_office, removed):
    client.force_login(deans_office)
    url = reverse("warranty:open", args=[removed.pk, "invalidation"])

    response = client.post(url, {"ground": "completed_masters", "note": "koniec"})

    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "Odmowa unieważnienia" in page
    assert f'href="{invalidation_url(removed)}">Załóż unieważnienie</a>' in page


def test_a_forged_read_of_a_card_with_a_case_i_cannot_see_offers_no_report(
        deans_office, other_deans_office, card):
    """A report would be refused beside the card's open case, whose number this office
    cannot open: it is offered nothing rather than a dead end."""
    assert forgery_next_step(other_deans_office, card, report_url="/r/").label == (
        "Zgłoś podejrzenie podrobienia")
    case = open_case(card, "lost", deans_office, note="zgubiona")
    assert forgery_next_step(other_deans_office, card, report_url="/r/") is None
    assert case.number in forgery_next_step(deans_office, card, report_url="/r/").label
