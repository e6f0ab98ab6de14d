"""Celery tasks: thin interfaces over the services (ids in, nothing pickled)."""

from __future__ import annotations

from celery import shared_task

from .notifications import notification_deliver, notifications_resend_pending
from .reminders import reminders_send_due


@shared_task(ignore_result=True)
def notification_send_task(notification_id: int) -> bool:
    return notification_deliver(notification_id)


@shared_task(ignore_result=True)
def notifications_resend_pending_task() -> int:
    return notifications_resend_pending()


@shared_task(ignore_result=True)
def reminders_send_due_task() -> int:
    return reminders_send_due()
