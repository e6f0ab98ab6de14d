"""Reminders to holders: card not brought to SSOS, new card not collected, fee unpaid.

Each reminder goes out at most once per case per period: the first after N days in the
state, then again every N days, and the unique (case, kind, period) row makes a second
run of the same period (or two beat processes at once) a no-op.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import Case, CaseState, Payment, PaymentStatus, Reminder, ReminderKind
from .notifications import notify_reminder

REMINDER_CONDITIONS = {
    ReminderKind.CARD_NOT_BROUGHT: Q(state=CaseState.AWAITING_CARD),
    ReminderKind.NOT_COLLECTED: Q(state=CaseState.READY_FOR_PICKUP),
    # Not a join: counted over every open case (the queues' "overdue"), the unpaid fees
    # are read once into a hash instead of joining every case to its payment.
    ReminderKind.UNPAID: Q(state=CaseState.PAYMENT_DUE, pk__in=Payment.objects.filter(
        status=PaymentStatus.DUE).values("case_id")),
}
DEFAULT_REMINDER_DAYS = {
    ReminderKind.CARD_NOT_BROUGHT: 7,
    ReminderKind.NOT_COLLECTED: 7,
    ReminderKind.UNPAID: 14,
}


def reminder_days(kind: str) -> int:
    configured = getattr(settings, "WARRANTY_REMINDER_DAYS", {})
    return int(configured.get(kind, DEFAULT_REMINDER_DAYS[kind]))


def reminders_send_due(now: dt.datetime | None = None) -> int:
    """Queue the reminders that are due now; returns how many were queued."""
    now = now or timezone.now()
    queued = 0
    for kind, condition in REMINDER_CONDITIONS.items():
        days = reminder_days(kind)
        due = (Case.objects.filter(condition, state_changed_at__lte=now - dt.timedelta(days=days))
               .select_related("holder", "card", "unit", "payment").order_by("pk"))
        for case in due:
            period = (now - case.state_changed_at).days // days
            try:
                with transaction.atomic():
                    Reminder.objects.create(case=case, kind=kind, period=period, sent_at=now)
                    notify_reminder(case, kind)
            except IntegrityError:
                continue  # already reminded in this period
            queued += 1
    return queued
