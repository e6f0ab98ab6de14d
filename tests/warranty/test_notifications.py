"""E-mails: written to the outbox in the transaction, sent once after commit, never dropped."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from django.core import mail
from django.db import transaction
from django.utils import timezone

from tests.factories import UserFactory
from tests.warranty.helpers import act, open_case
from warranty.models import Case, Notification, NotificationStatus, Reminder
from warranty.notifications import notification_deliver
from warranty.reminders import reminders_send_due
from warranty.services import payment_mark_paid
from warranty.tasks import notifications_resend_pending_task, reminders_send_due_task

pytestmark = pytest.mark.django_db


def _later(minutes: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


def test_fault_report_mails_ssos_and_holder_once_after_commit(
        card, deans_office, ssos, django_capture_on_commit_callbacks):
    UserFactory(username="ssos2", roles=["ssos"], email="ssos2@example.edu")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = open_case(card, "fault", deans_office)
        assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()

    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == ["ssos2@example.edu", "ssos@example.edu", "student@example.edu"]
    to_ssos = next(m for m in mail.outbox if m.to == ["ssos@example.edu"])
    assert case.number in to_ssos.subject and card.number in to_ssos.body
    html, mime = to_ssos.alternatives[0]
    assert mime == "text/html" and case.number in html
    assert "ELS ELS-" not in to_ssos.body + html  # the card by its number alone
    to_holder = next(m for m in mail.outbox if m.to == ["student@example.edu"])
    assert "SSOS" in to_holder.body
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}

    for callback in callbacks:  # a re-delivered task does not send again
        callback()
    assert len(mail.outbox) == 3


def test_damage_report_does_not_mail_ssos(card, deans_office, ssos, run_on_commit):
    with run_on_commit():
        open_case(card, "damage", deans_office, note="złamana")
    assert [m.to for m in mail.outbox] == [["student@example.edu"]]
    assert "33" in mail.outbox[0].body


def test_no_mail_when_the_transaction_rolls_back(card, deans_office, ssos, run_on_commit):
    with run_on_commit(), pytest.raises(RuntimeError):
        with transaction.atomic():
            open_case(card, "fault", deans_office)
            raise RuntimeError("something after the case failed")
    assert mail.outbox == []
    assert not Case.objects.exists() and not Notification.objects.exists()


def test_holder_told_of_each_status_change(card, deans_office, ssos, run_on_commit):
    with run_on_commit():
        case = open_case(card, "lost", deans_office)
        payment_mark_paid(case_id=case.pk, actor=deans_office, source="web", reference="R",
                          paid_on=timezone.localdate())
        case = act(case, "order_duplicate", deans_office)
        case = act(case, "mark_ready", deans_office)
    holder_mail = [m for m in mail.outbox if m.to == ["student@example.edu"]]
    assert len(holder_mail) == 2  # pay the fee; collect the card
    assert "odbioru" in holder_mail[-1].subject or "collection" in holder_mail[-1].subject


def test_holder_without_email_gets_nothing_and_nothing_breaks(
        card, deans_office, run_on_commit):
    card.holder.email = ""
    card.holder.save()
    with run_on_commit():
        open_case(card, "damage", deans_office)
    assert mail.outbox == []


def test_broker_outage_delays_but_does_not_drop(card, deans_office, ssos, run_on_commit):
    with mock.patch("warranty.tasks.notification_send_task.delay",
                    side_effect=OperationalError("broker down")), run_on_commit():
        open_case(card, "fault", deans_office)
    assert mail.outbox == []
    assert Notification.objects.filter(status=NotificationStatus.PENDING).count() == 2

    with mock.patch("warranty.notifications.timezone.now", return_value=_later(5)):
        assert notifications_resend_pending_task() == 2
        assert notifications_resend_pending_task() == 0
    assert len(mail.outbox) == 2


def test_smtp_failure_is_retried_later(card, deans_office, run_on_commit):
    with mock.patch("django.core.mail.EmailMultiAlternatives.send",
                    side_effect=ConnectionRefusedError("smtp down")), run_on_commit():
        open_case(card, "damage", deans_office)
    notification = Notification.objects.get()
    assert notification.status == NotificationStatus.PENDING
    assert "smtp down" in notification.last_error and notification.attempts == 1

    with mock.patch("warranty.notifications.timezone.now", return_value=_later(5)):
        notifications_resend_pending_task()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and len(mail.outbox) == 1


def test_a_claimed_email_is_not_sent_twice(card, deans_office):
    open_case(card, "damage", deans_office)  # on-commit callbacks not run: still pending
    notification = Notification.objects.get()
    assert notification_deliver(notification.pk) is True
    assert notification_deliver(notification.pk) is False
    Notification.objects.filter(pk=notification.pk).update(status=NotificationStatus.SENDING,
                                                           claimed_at=timezone.now())
    assert notification_deliver(notification.pk) is False  # someone else is sending it
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(("kind", "days"), [("fault", 8), ("damage", 15)])
def test_reminders_go_out_once_per_period(card, deans_office, run_on_commit, kind, days):
    open_case(card, kind, deans_office)
    mail.outbox.clear()
    with run_on_commit():
        assert reminders_send_due(now=_later(60 * 24)) == 0  # not due yet
        assert reminders_send_due(now=_later(60 * 24 * days)) == 1
        assert reminders_send_due(now=_later(60 * 24 * days + 60)) == 0  # same period
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["student@example.edu"]
    assert Reminder.objects.count() == 1


def test_not_collected_reminder_and_none_once_collected(card, deans_office, run_on_commit):
    from warranty.services import payment_waive

    case = open_case(card, "lost", deans_office)
    payment_waive(case_id=case.pk, actor=deans_office, source="web", reason="pomoc socjalna")
    case = act(case, "order_duplicate", deans_office)
    case = act(case, "mark_ready", deans_office)
    mail.outbox.clear()
    with run_on_commit():
        assert reminders_send_due(now=_later(60 * 24 * 8)) == 1
    assert "odebra" in mail.outbox[0].body or "collect" in mail.outbox[0].body
    act(case, "hand_over", deans_office, new_number="N-9", new_chip_serial="04C0FFEE09")
    assert reminders_send_due(now=_later(60 * 24 * 30)) == 0


def test_paid_duplicate_is_not_reminded_as_unpaid(card, deans_office):
    case = open_case(card, "damage", deans_office)
    payment_mark_paid(case_id=case.pk, actor=deans_office, source="web", reference="R",
                      paid_on=timezone.localdate())
    assert reminders_send_due(now=_later(60 * 24 * 30)) == 0


def test_reminder_task_runs_the_service(card, deans_office):
    open_case(card, "fault", deans_office)
    with mock.patch("warranty.reminders.timezone.now", return_value=_later(60 * 24 * 8)):
        assert reminders_send_due_task() == 1


def test_a_warranty_exchange_tells_the_holder_twice_in_polish_with_a_link(
        card, deans_office, ssos, run_on_commit, settings):
    from tests.warranty.helpers import CLEAN

    settings.SITE_URL = "https://legitymacje.example.edu"
    with run_on_commit():
        case = open_case(card, "fault", deans_office)
        for step, params in [("receive_card", {}), ("approve_warranty", {"checklist": CLEAN}),
                             ("order_replacement", {}), ("mark_ready", {})]:
            case = act(case, step, ssos, **params)
        act(case, "hand_over", ssos, new_number="ELS-NEW-5", new_chip_serial="04A1B2C3D4E5F6")

    holder_mail = [m for m in mail.outbox if m.to == ["student@example.edu"]]
    assert len(holder_mail) == 2  # bring the card to SSOS; collect the new one
    for message in holder_mail:
        assert message.body.splitlines()[0] == "Dzień dobry,"
        assert f"https://legitymacje.example.edu/cases/{case.pk}/" in message.body
        assert f'href="https://legitymacje.example.edu/cases/{case.pk}/"' in \
            message.alternatives[0][0]
