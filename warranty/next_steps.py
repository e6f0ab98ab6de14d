"""The next step a refusal leads to, offered as a button where the refusal shows.

The card page, the batch page and the reader desk ask here; this is the one place that
maps a refused card to what the system can do about it, in this order:
1. a ground for final invalidation holds (a holder removed from the list, a completed
   master's without student status elsewhere, the end of doctoral education or of
   employment): "Open the invalidation", with that ground prefilled;
2. the card has an open case: go to it (it holds the remedy);
3. the extension was refused for one of the procedure's errors (no signing certificate,
   holder not settled, the generic error): record the extension failure, with the error
   prefilled, which sends it to whoever fixes it.
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


@dataclass(frozen=True)
class NextStep:
    label: str
    url: str


def next_step(user: Any, card: Any, *, today: dt.date, extension_error: str = "",
              open_case: Case | None = None) -> NextStep | None:
    """What to do about `card` being refused (`extension_error`: the procedure's error the
    refusal was, if it was an extension's); `open_case` when the caller fetched it."""
    if (can_proceed(card.decide_invalidation)
            and open_refusal(user, CaseKind.INVALIDATION, card) is None):
        for ground in card_rules.grounds_for_kind(card.kind):
            if card_rules.invalidation_refusal(card, ground, today) is None:
                return NextStep(_("Open the invalidation"),
                                _open_url(card, CaseKind.INVALIDATION, ground=ground))
    if open_case is None and extension_error:
        open_case = Case.objects.filter(card=card, state__in=OPEN_STATES).first()
    if open_case is not None:
        return NextStep(_("Go to case %(number)s") % {"number": open_case.number},
                        reverse("warranty:detail", args=[open_case.pk]))
    if (extension_error in ExtensionError.values
            and open_refusal(user, CaseKind.EXTENSION_FAILURE, card) is None):
        return NextStep(_("Record the extension failure"),
                        _open_url(card, CaseKind.EXTENSION_FAILURE,
                                  extension_error=extension_error))
    return None


def _open_url(card: Any, kind: str, **prefill: str) -> str:
    return reverse("warranty:open", args=[card.pk, kind]) + "?" + urlencode(prefill)
