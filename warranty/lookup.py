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

from . import ratelimit
from .errors import LookupRateLimited, LookupUnavailable
from .models import HIDDEN_FROM_HOLDERS, Case
from .selectors import TimelineEntry, holder_timeline


@dataclass(frozen=True)
class CaseStatus:
    number: str
    status: str
    timeline: list[TimelineEntry]


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
    holder_number = Q(holder__album_number=album_number) | Q(holder__employee_number=album_number)
    case = (Case.objects.exclude(HIDDEN_FROM_HOLDERS).filter(holder_number, number=number)
            .prefetch_related("events").first())
    if case is None:
        return None
    return CaseStatus(number=case.number, status=str(case.get_state_display()),
                      timeline=holder_timeline(case, with_messages=False))
