"""The USOS office hands a fixed extension failure back to the dean's office."""

from __future__ import annotations

import pytest

from django.core import mail
from django.urls import reverse

from cards.errors import ActionForbidden, ActionNotPossible
from tests.factories import CardFactory, UserFactory
from tests.warranty.helpers import act, open_case
from warranty.models import CaseEvent, CaseState, Notification
from warranty.page_selectors import queue_counts
from warranty.services import case_record_attempt

pytestmark = pytest.mark.django_db
S = CaseState


@pytest.fixture
def staffed_unit_office(unit):
    return UserFactory(username="sekretariat", roles=["dziekanat"], units=[unit],
                       email="dziekanat@example.edu")


def _escalated(card, office):
    return open_case(card, "extension_failure", office, extension_error="no_certificate")


def test_hand_back_tells_the_deans_office_once_after_commit(
        card, staffed_unit_office, usos_office, other_deans_office,
        django_capture_on_commit_callbacks):
    case = _escalated(card, staffed_unit_office)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = act(case, "hand_back", usos_office, note="dodano strukturę podpisu WMI")
    assert case.state == S.READY_TO_RETRY
    assert mail.outbox == []  # nothing goes out before the commit
    sent = Notification.objects.filter(case=case, template="deans_office_retry")
    assert list(sent.values_list("recipient", flat=True)) == ["dziekanat@example.edu"]
    assert not Notification.objects.filter(case=case, to_holder=True,
                                           created_at__gte=sent.get().created_at).exists()
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dziekanat@example.edu"]
    assert message.body.startswith("Dzień dobry,")
    assert "dodano strukturę podpisu WMI" in message.body
    assert f"/cases/{case.pk}/" in message.body
    # in the app: the dean's office queue and dashboard, not another unit's
    assert queue_counts(staffed_unit_office)["unit_retry"] == 1
    assert queue_counts(other_deans_office)["unit_retry"] == 0


def test_usos_office_hands_back_instead_of_closing(card, deans_office, usos_office):
    case = _escalated(card, deans_office)
    with pytest.raises(ActionForbidden):
        act(case, "resolve", usos_office, note="naprawione")
    with pytest.raises(ActionForbidden):  # the dean's office does not hand back to itself
        act(case, "hand_back", deans_office, note="naprawione")
    assert act(case, "hand_back", usos_office, note="naprawione").state == S.READY_TO_RETRY
    with pytest.raises(ActionNotPossible):  # twice: the second finds it handed back
        act(case, "hand_back", usos_office, note="naprawione")


def test_retry_that_succeeds_closes_the_case(card, deans_office, usos_office):
    case = act(_escalated(card, deans_office), "hand_back", usos_office, note="naprawione")
    case_record_attempt(case_id=case.pk, actor=deans_office, source="web", succeeded=True,
                        note="przedłużona")
    case.refresh_from_db()
    assert case.state == S.RESOLVED
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == [
        "open", "hand_back", "attempt", "resolve"]


def test_retry_that_fails_goes_back_to_usos_with_the_new_error(card, deans_office, usos_office):
    case = act(_escalated(card, deans_office), "hand_back", usos_office, note="naprawione")
    case_record_attempt(case_id=case.pk, actor=deans_office, source="web", succeeded=False,
                        note="nadal błąd", extension_error="extension_error")
    case.refresh_from_db()
    assert case.state == S.ESCALATED and case.extension_error == "extension_error"
    back = CaseEvent.objects.get(case=case, action="return_to_usos")
    assert back.details == {"extension_error": "extension_error",
                            "previous_error": "no_certificate"}
    assert queue_counts(usos_office)["escalations"] == 1


def test_case_page_shows_the_hand_back_in_the_past_tense(client, card, deans_office,
                                                         usos_office):
    case = act(_escalated(card, deans_office), "hand_back", usos_office, note="naprawione")
    client.force_login(deans_office)
    page = client.get(reverse("warranty:detail", args=[case.pk])).content.decode()
    assert "gotowe do ponownego przedłużenia" in page
    assert "Przekazano zgłoszenie do dziekanatu do ponownego przedłużenia." in page
    assert "Przedłuż legitymację" in page
    dashboard = client.get(reverse("home")).content.decode()
    assert "Gotowe do ponownego przedłużenia" in dashboard


def test_another_units_office_is_not_emailed(card, staffed_unit_office, usos_office, other_unit):
    UserFactory(username="obcy", roles=["dziekanat"], units=[other_unit],
                email="obcy@example.edu")
    CardFactory(serving_unit=other_unit)
    case = act(_escalated(card, staffed_unit_office), "hand_back", usos_office, note="ok")
    assert list(Notification.objects.filter(case=case, template="deans_office_retry")
                .values_list("recipient", flat=True)) == ["dziekanat@example.edu"]
