"""The holder's status lookup without login: case number + album (or, for teachers,
staff) number → status only.

It reveals nothing but the case's status and its plain-language timeline, answers a
wrong number and a wrong album number the same way, and is rate-limited per client
address and per browser (a cookie), never per case: a guesser must not be able to lock
the holder out of their own case (Django's cache: locmem or Redis).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from cards import compiled_queries

from . import ratelimit
from .errors import LookupRateLimited, LookupUnavailable
from .models import HIDDEN_FROM_HOLDERS, Case, CaseEvent, CaseState
from .selectors import TimelineEntry, holder_status_entries


@dataclass(frozen=True)
class CaseStatus:
    number: str
    status: str
    timeline: list[TimelineEntry]


def _case_with_history(number: str, holder_number: str):
    """The case's number and state with each entry of its history (one row per entry; one
    row without an entry when it has none), for its holder only."""
    return (Case.objects.exclude(HIDDEN_FROM_HOLDERS)
            .filter(Q(holder__album_number=holder_number)
                    | Q(holder__employee_number=holder_number), number=number)
            .values_list("number", "state", "events__id", "events__at", "events__from_state",
                         "events__to_state")
            .order_by("events__at", "events__id"))


def _limits() -> dict[str, int]:
    defaults = {"per_ip": 20, "per_device": 10, "window_seconds": 600}
    return {**defaults, **getattr(settings, "WARRANTY_LOOKUP_LIMITS", {})}


def case_status_lookup(*, number: str, album_number: str, client_ip: str,
                       device: str = "") -> CaseStatus | None:
    """The case's status for its holder, None if the numbers do not match a case.
    `album_number` is the album number, or the staff number of an ELN holder; `device`
    identifies the browser (empty when it keeps no cookie: the address limit still holds)."""
    number, album_number = number.strip().upper(), album_number.strip()
    limits = _limits()
    counted = {f"case-lookup:ip:{client_ip}": limits["per_ip"]}
    if device:
        counted[f"case-lookup:device:{device}"] = limits["per_device"]
    try:
        within = ratelimit.hit(counted, window_seconds=limits["window_seconds"])
    except ratelimit.Unavailable as exc:
        raise LookupUnavailable(_("The status check is unavailable for a moment. Please "
                                  "try again in a few minutes.")) from exc
    if not within:
        raise LookupRateLimited(_("Too many attempts. Please try again in a few minutes."))
    if not number or not album_number:
        return None
    rows = compiled_queries.fetch("status lookup", _case_with_history, number, album_number)
    if not rows:
        return None
    events = [CaseEvent(id=event_id, at=at, from_state=from_state, to_state=to_state)
              for _number, _state, event_id, at, from_state, to_state in rows
              if event_id is not None]
    return CaseStatus(number=rows[0][0], status=str(CaseState(rows[0][1]).label),
                      timeline=holder_status_entries(events))
