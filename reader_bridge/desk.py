"""The reader desk: the latest reads at my unit's readers, each with the page to open.

A card put on the reader opens its page (or its open case) on the staff member's screen
when the desk follows the reader; a card the system does not know stays visible here
with its chip serial and diagnosis instead of vanishing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cards.selectors import card_list_for_user
from warranty.models import OPEN_STATES, Case

from .models import CardRead
from .read_steps import read_next_step, step_fields
from .selectors import read_row, reads_at_devices
from .services import devices_for_user


def desk_rows(user: Any, *, since: dt.datetime | None = None) -> list[dict]:
    device_ids = [device.pk for device in devices_for_user(user)]
    if not device_ids:
        return []
    reads = reads_at_devices(device_ids, since=since)
    return _with_pages(user, reads)


def _with_pages(user: Any, reads: list[CardRead]) -> list[dict]:
    card_ids = {read.card_id for read in reads if read.card_id}
    visible = card_list_for_user(user).filter(pk__in=card_ids).prefetch_related(
        "holder__enrolments", "holder__employments").in_bulk()
    open_cases = dict(Case.objects.filter(card_id__in=visible, state__in=OPEN_STATES)
                      .values_list("card_id", "pk"))
    today = timezone.localdate()
    rows = []
    for read in reads:
        row = read_row(read)
        row["card"] = str(read.card) if read.card_id else _("not in the system")
        row["chip_serial"] = read.chip_serial
        row["open_url"] = ""
        if read.card_id in open_cases:
            row["open_url"] = reverse("warranty:detail", args=[open_cases[read.card_id]])
        elif read.card_id in visible:
            row["open_url"] = reverse("cards:detail", args=[read.card_id])
        if read.card_id in visible:
            read.card = visible[read.card_id]  # with the enrolments the rules look at
        step = read_next_step(user, read, today=today, card_refusals=read.card_id in visible)
        rows.append({**row, **step_fields(step)})
    return rows
