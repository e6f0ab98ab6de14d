"""E-mails about cases: written to the outbox inside the transaction, sent after commit.

`notification_enqueue` renders the text and HTML (in the site's default language) into
a `Notification` row and asks Celery to send it once the transaction commits. If the
broker is down the row simply stays pending and `notifications_resend_pending` (a
periodic task) sends it later. Sending claims the row with a conditional UPDATE, so
each e-mail goes out once even with several workers.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from cards.grammar import for_holder
from cards.roles import Role

from .models import Case, CaseState, Notification, NotificationStatus, ReminderKind

logger = logging.getLogger(__name__)
C = CaseState

# What each state means for the holder, in plain words (e-mails, status lookup, timeline).
HOLDER_STATUS_TEXT = {
    C.AWAITING_CARD: gettext_lazy(
        "Your card was reported as not working. Please bring it to SSOS (Student Systems "
        "Section) so it can be checked."),
    C.IN_ASSESSMENT: gettext_lazy("SSOS has received your card and is checking it."),
    C.WARRANTY_APPROVED: gettext_lazy(
        "Your card will be exchanged free of charge under warranty."),
    C.PAYMENT_DUE: gettext_lazy(
        "You need a paid duplicate of your card. Please pay the duplicate fee."),
    C.REPLACEMENT_ORDERED: gettext_lazy("Your new card has been ordered."),
    C.READY_FOR_PICKUP: gettext_lazy("Your new card is ready for collection."),
    C.HANDED_OVER: gettext_lazy("You have collected your new card."),
    C.TROUBLESHOOTING: gettext_lazy("We are working on a problem with extending your card."),
    C.ESCALATED: gettext_lazy(
        "The problem with extending your card has been passed to the USOS office."),
    C.HOLDER_TO_USOS: gettext_lazy("Please visit the USOS office with your card."),
    C.DATA_FIX_NEEDED: gettext_lazy(
        "Your study records must be corrected before your card can be extended; your dean's "
        "office is dealing with it."),
    C.READY_TO_RETRY: gettext_lazy(
        "The cause has been fixed; your dean's office will extend your card again."),
    C.AWAITING_CORNER_CUT: gettext_lazy(
        "Your card is being invalidated: a corner will be cut off and the card returned to "
        "you."),
    C.CARD_RETURNED: gettext_lazy("Your card has been invalidated and returned to you."),
    C.RESOLVED: gettext_lazy("The matter is resolved."),
    C.CONVERTED: gettext_lazy(
        "Your card turned out to be faulty; it is now handled as a fault report."),
    C.CANCELLED: gettext_lazy("The case was closed."),
}

# The states the holder is e-mailed about: those that ask them to do something, or end
# the matter. The steps in between (assessed, ordered, handed over at the desk) show on
# the case page, so a warranty exchange sends two e-mails, not six.
HOLDER_NOTIFIED_STATES = frozenset({
    C.AWAITING_CARD, C.PAYMENT_DUE, C.READY_FOR_PICKUP, C.HOLDER_TO_USOS,
    C.AWAITING_CORNER_CUT, C.RESOLVED,
})

REMINDER_TEXT = {
    ReminderKind.CARD_NOT_BROUGHT: gettext_lazy(
        "Your card is still not at SSOS. Please bring it in so that it can be checked."),
    ReminderKind.NOT_COLLECTED: gettext_lazy(
        "Your new card is waiting for you. Please collect it."),
    ReminderKind.UNPAID: gettext_lazy(
        "The duplicate fee is still unpaid. The duplicate is printed once it is paid."),
}


def notification_enqueue(*, case: Case | None, template: str, recipient: str, subject: str,
                         context: dict[str, Any], to_holder: bool = False) -> Notification:
    """Write one e-mail to the outbox and send it after the transaction commits."""
    with translation.override(settings.LANGUAGE_CODE):
        full_context = {"case": case, "site_name": _("Legitymacje"), **context}
        body_text = render_to_string(f"warranty/emails/{template}.txt", full_context)
        body_html = render_to_string(f"warranty/emails/{template}.html", full_context)
        subject = str(subject)
    notification = Notification.objects.create(
        case=case, template=template, recipient=recipient, to_holder=to_holder,
        subject=subject[:200], body_text=body_text, body_html=body_html,
    )
    from .tasks import notification_send_task

    # robust: a broker outage must not break the request; the periodic re-send picks it up.
    transaction.on_commit(partial(_enqueue_send, notification_send_task, notification.pk),
                          robust=True)
    return notification


def _enqueue_send(task: Any, notification_id: int) -> None:
    try:
        task.delay(notification_id)
    except Exception:
        logger.warning("could not enqueue e-mail %s; the periodic re-send will retry",
                       notification_id, exc_info=True)


def _case_links(case: Case) -> dict[str, str]:
    """Where the holder sees the case: its page (logged in) and the status lookup."""
    site = settings.SITE_URL.rstrip("/")
    return {"case_url": site + reverse("warranty:detail", args=[case.pk]),
            "status_url": site + reverse("warranty:status-lookup")}


def _case_subject(case: Case, text: str) -> str:
    return _("Case %(number)s: %(text)s") % {"number": case.number, "text": text}


def notify_holder_of_state(case: Case, *, extra: str = "") -> Notification | None:
    """Tell the holder what the case's new state means for them."""
    if case.state not in HOLDER_NOTIFIED_STATES or not case.holder.email:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        status = str(HOLDER_STATUS_TEXT[case.state])
        subject = _case_subject(case, str(case.get_state_display()))
        payment = getattr(case, "payment", None)
    return notification_enqueue(
        case=case, template="case_status", recipient=case.holder.email, subject=subject,
        context={"status_text": status, "extra": extra, "payment": payment,
                 **_case_links(case)},
        to_holder=True,
    )


def ssos_recipients() -> list[str]:
    """The SSOS people responsible for cards: the SSOS group's active members with e-mail,
    plus any addresses in settings.WARRANTY_SSOS_EMAILS."""
    users = get_user_model().objects.filter(
        groups__name=Role.SSOS, is_active=True).exclude(email="")
    addresses = list(users.order_by("email").values_list("email", flat=True).distinct())
    for address in getattr(settings, "WARRANTY_SSOS_EMAILS", ()):
        if address not in addresses:
            addresses.append(address)
    return addresses


def notify_ssos_of_fault(case: Case) -> list[Notification]:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _case_subject(case, _("new fault report"))
    return [
        notification_enqueue(case=case, template="ssos_new_fault", recipient=address,
                             subject=subject, context={"holder_name": case.holder.full_name})
        for address in ssos_recipients()
    ]


def _staff_case_links(case: Case) -> dict[str, str]:
    return {"case_url": settings.SITE_URL.rstrip("/") + reverse("warranty:detail", args=[case.pk])}


def notify_ssos_of_forgery(case: Case) -> list[Notification]:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _case_subject(case, _("suspected forgery"))
    return [
        notification_enqueue(case=case, template="ssos_suspected_forgery", recipient=address,
                             subject=subject, context=_staff_case_links(case))
        for address in ssos_recipients()
    ]


def deans_office_recipients(case: Case) -> list[str]:
    """The active dean's office staff of the case's unit, with an e-mail address."""
    users = get_user_model().objects.filter(
        groups__name=Role.DEANS_OFFICE, units=case.unit_id, is_active=True).exclude(email="")
    return list(users.order_by("email").values_list("email", flat=True).distinct())


def notify_deans_office_of_retry(case: Case, *, note: str) -> list[Notification]:
    """The USOS office handed the case back: one e-mail to each of the unit's dean's
    office staff, who extend the card again from the case."""
    holder = case.holder
    with translation.override(settings.LANGUAGE_CODE):
        subject = _case_subject(case, str(case.get_state_display()))
        holder_label = for_holder(holder, female=pgettext("female holder", "Holder"),
                                  male=pgettext("male holder", "Holder"))
        # The holder gets no e-mail at this step: the office arranges the visit.
        not_told = for_holder(
            holder,
            female=pgettext("female holder", "%(name)s has not been told: arrange with her "
                            "when she brings the card.") % {"name": holder.full_name},
            male=pgettext("male holder", "%(name)s has not been told: arrange with him "
                          "when he brings the card.") % {"name": holder.full_name})
    return [
        notification_enqueue(case=case, template="deans_office_retry", recipient=address,
                             subject=subject,
                             context={"holder_name": holder.full_name,
                                      "holder_label": holder_label, "holder_not_told": not_told,
                                      "note": note, **_staff_case_links(case)})
        for address in deans_office_recipients(case)
    ]


def notify_reminder(case: Case, kind: str) -> Notification | None:
    if not case.holder.email:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        text = str(REMINDER_TEXT[kind])
        subject = _case_subject(case, _("reminder"))
    return notification_enqueue(
        case=case, template="reminder", recipient=case.holder.email, subject=subject,
        context={"reminder_text": text, "payment": getattr(case, "payment", None),
                 **_case_links(case)},
        to_holder=True,
    )


# --- delivery ------------------------------------------------------------------------

# A claim older than this is taken to be from a worker that died mid-send.
CLAIM_TIMEOUT = dt.timedelta(minutes=10)
# Pending rows younger than this are left to their on-commit task.
RESEND_GRACE = dt.timedelta(minutes=1)


def notification_deliver(notification_id: int) -> bool:
    """Send one outbox e-mail unless someone else has claimed or sent it. True if sent now."""
    now = timezone.now()
    claimable = Q(status=NotificationStatus.PENDING) | Q(
        status=NotificationStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    claimed = Notification.objects.filter(claimable, pk=notification_id).update(
        status=NotificationStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return False
    notification = Notification.objects.get(pk=notification_id)
    message = EmailMultiAlternatives(
        subject=notification.subject, body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL, to=[notification.recipient],
    )
    message.attach_alternative(notification.body_html, "text/html")
    try:
        message.send()
    except Exception as exc:
        Notification.objects.filter(pk=notification_id).update(
            status=NotificationStatus.PENDING, last_error=str(exc)[:1000])
        logger.warning("sending e-mail %s failed; it will be retried", notification_id)
        return False
    Notification.objects.filter(pk=notification_id).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), last_error="")
    return True


def notifications_resend_pending() -> int:
    """Send what is still waiting (broker or SMTP outage, dead worker). Returns how many."""
    now = timezone.now()
    waiting = Notification.objects.filter(
        Q(status=NotificationStatus.PENDING, created_at__lt=now - RESEND_GRACE)
        | Q(status=NotificationStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    ).order_by("created_at").values_list("pk", flat=True)[:500]
    return sum(notification_deliver(pk) for pk in list(waiting))
