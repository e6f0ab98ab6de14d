"""The next step a refusal leads to, offered as a button where the refusal shows.

The card page (its extension panel and its card actions), the batch page and the reader
desk (and a card's reads) ask here; this is the one place that maps a refused card to
what the system can do about it. The rules stay where they are: a step is offered only
when `warranty.policy` lets this user take it, and its page checks again.

- A read whose chip data look forged (`forgery_next_step`): report it to SSOS, or go to
  the card's open case, which a report could not open beside.
- Any other refusal (`next_step`), in this order:
  1. a ground for final invalidation holds (a holder removed from the list, a completed
     master's without student status elsewhere, the end of doctoral education or of
     employment): "Open the invalidation", with that ground prefilled;
  2. the card has an open case: go to it (it holds the remedy);
  3. the extension was refused for one of the procedure's errors (no signing
     certificate, holder not settled, the generic error): record the extension failure,
     with the error prefilled, which sends it to whoever fixes it.
Nothing is offered that the user's role may not do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from cards import rules as card_rules

from .models import OPEN_STATES, Case, CaseKind, ExtensionError
from .policy import open_refusal
from .selectors import visible_cases

# `open_case=LOOK_IT_UP`: the caller did not fetch the card's open case; find it here.
LOOK_IT_UP: Any = object()


@dataclass(frozen=True)
class NextStep:
    label: str
    url: str
    danger: bool = False  # a warning step (reporting a forgery), styled as such


def next_step(user: Any, card: Any, *, today: dt.date, extension_error: str = "",
              open_case: Any = None) -> NextStep | None:
    """What to do about `card` being refused (`extension_error`: the procedure's error the
    refusal was, if it was an extension's). `open_case`: the card's open case when the
    caller fetched it, LOOK_IT_UP to find it here; an extension error looks it up too."""
    if (can_proceed(card.decide_invalidation)
            and open_refusal(user, CaseKind.INVALIDATION, card) is None):
        for ground in card_rules.grounds_for_kind(card.kind):
            if card_rules.invalidation_refusal(card, ground, today) is None:
                return NextStep(_("Open the invalidation"),
                                _open_url(card, CaseKind.INVALIDATION, ground=ground))
    if open_case is LOOK_IT_UP or (open_case is None and extension_error):
        open_case = _open_case_of(user, card)
    if open_case is not None:
        return _go_to(open_case)
    if (extension_error in ExtensionError.values
            and open_refusal(user, CaseKind.EXTENSION_FAILURE, card) is None):
        return NextStep(_("Record the extension failure"),
                        _open_url(card, CaseKind.EXTENSION_FAILURE,
                                  extension_error=extension_error))
    return None


def forgery_next_step(user: Any, card: Any, *, report_url: str,
                      open_case: Any = LOOK_IT_UP) -> NextStep | None:
    """What to do about a read of `card` whose chip data look forged: `report_url` is the
    reader bridge's form that reports that read to SSOS."""
    if open_case is LOOK_IT_UP:
        open_case = _open_case_of(user, card)
    if open_case is not None:
        return _go_to(open_case)
    if Case.objects.filter(card=card, state__in=OPEN_STATES).exists():
        return None  # a case this user cannot see: a report would be refused beside it
    if open_refusal(user, CaseKind.SUSPECTED_FORGERY, card) is None:
        return NextStep(_("Report a suspected forgery"), report_url, danger=True)
    return None


def _open_case_of(user: Any, card: Any) -> Case | None:
    """The card's open case, if the user may see it (a card read at my reader may belong
    to another unit, whose cases I do not see)."""
    return visible_cases(user).filter(card=card, state__in=OPEN_STATES).only(
        "pk", "number").first()


def _go_to(case: Case) -> NextStep:
    return NextStep(_("Go to case %(number)s") % {"number": case.number},
                    reverse("warranty:detail", args=[case.pk]))


def _open_url(card: Any, kind: str, **prefill: str) -> str:
    return reverse("warranty:open", args=[card.pk, kind]) + "?" + urlencode(prefill)
