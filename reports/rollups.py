"""Daily counts of card history entries, so the monthly card reports stay fast.

Counting extensions per month and card kind over millions of history entries needs a
join with every card (about 1.4 s on 1,000,000 cards); the daily rollup turns that into
a few thousand rows. A periodic task recounts the last two days every few minutes and
everything once a night (history entries may be imported with past dates); a report
page asks for a recount when the rollup is older than STALE_AFTER, and says how fresh
its figures are.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Case, CharField, Count, F, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from cards.models import CardEvent

from .models import CardEventDay, RollupRefresh

logger = logging.getLogger(__name__)

ROLLUP = "card_event_days"
ROLLED_UP_ACTIONS = ("extend", "replace", "decide_invalidation", "confirm_corner_cut")
STALE_AFTER = dt.timedelta(minutes=10)
RECENT_DAYS = 2


def _detail():
    """The ground of an invalidation (from the entry, or the card for a corner cut) or the
    reason of a replacement; empty for other actions."""
    return Coalesce(
        KeyTextTransform("ground", "details"),
        KeyTextTransform("replacement_reason", "details"),
        Case(When(action="confirm_corner_cut", then=F("card__invalidation_ground")),
             default=Value("")),
        output_field=CharField(),
    )


def card_event_days_refresh(*, since: dt.date | None = None,
                            now: dt.datetime | None = None) -> None:
    """Recount the days from `since` (every day when None) in one INSERT … SELECT."""
    now = now or timezone.now()
    events = CardEvent.objects.filter(action__in=ROLLED_UP_ACTIONS)
    days = CardEventDay.objects.all()
    if since is not None:
        start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
        events, days = events.filter(at__gte=start), days.filter(day__gte=since)
    counts = (events.annotate(day=TruncDate("at"), unit_code=F("card__serving_unit_id"),
                              card_kind=F("card__kind"), detail=_detail())
              .values("day", "unit_code", "card_kind", "action", "detail").order_by()
              .annotate(events=Count("id")))
    select, params = counts.query.sql_with_params()
    table = CardEventDay._meta.db_table
    with transaction.atomic():
        days.delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (day, unit_id, kind, action, detail, events) "  # noqa: S608
                f"SELECT day, unit_code, card_kind, action, detail, events FROM ({select}) AS c",
                params)
        RollupRefresh.objects.update_or_create(name=ROLLUP, defaults={"refreshed_at": now})


def card_event_days_refresh_recent(now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    since = timezone.localdate(now) - dt.timedelta(days=RECENT_DAYS - 1)
    card_event_days_refresh(since=since, now=now)


def card_event_days_as_of() -> dt.datetime | None:
    refresh = RollupRefresh.objects.filter(name=ROLLUP).first()
    return refresh.refreshed_at if refresh else None


def request_refresh_if_stale(as_of: dt.datetime | None) -> None:
    """Ask a worker for a recount (at most once per STALE_AFTER) when the figures are old."""
    if as_of is not None and timezone.now() - as_of < STALE_AFTER:
        return
    try:
        if not cache.add(f"reports:{ROLLUP}:requested", 1, timeout=STALE_AFTER.total_seconds()):
            return
    except Exception:  # cache (Redis) down: the report still shows; the periodic recount runs
        logger.warning("could not ask for a recount of %s; the nightly one will do", ROLLUP,
                       exc_info=True)
        return
    from .tasks import card_event_days_refresh_task

    full = as_of is None
    transaction.on_commit(lambda: _send(card_event_days_refresh_task, full))


def _send(task, full: bool) -> None:
    try:
        task.delay(full=full)
    except Exception:  # broker down: the periodic task recounts anyway
        cache.delete(f"reports:{ROLLUP}:requested")
