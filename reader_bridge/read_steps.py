"""The next step beside a read, on the reader desk and in a card's reads: report a
suspected forgery to SSOS, or (on the desk) what the card's refusal leads to. Which step,
and whether this user may take it, is `warranty.next_steps`'s answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from warranty.next_steps import LOOK_IT_UP, NextStep, forgery_next_step, next_step

from .diagnosis import FORGERY_DIAGNOSES
from .models import CardRead
from .selectors import read_row


def read_next_step(user: Any, read: CardRead, *, today: dt.date,
                   card_refusals: bool) -> NextStep | None:
    """`card_refusals`: also offer what the read card's refusal leads to (the desk; the
    card page has its own panels for that). A forgery is offered about the card in the
    reader, if the system knows it; an unknown chip goes to SSOS by hand."""
    if read.diagnosis in FORGERY_DIAGNOSES:
        if read.card_id is None:
            return None
        return forgery_next_step(user, read.card, open_case=LOOK_IT_UP,
                                 report_url=reverse("reader_bridge:forgery", args=[read.pk]))
    return next_step(user, read.card, today=today) if card_refusals else None


def step_fields(step: NextStep | None) -> dict:
    """The step as the live lists' JSON rows carry it."""
    if step is None:
        return {"next_label": "", "next_url": "", "next_danger": False}
    return {"next_label": step.label, "next_url": step.url, "next_danger": step.danger}


def card_read_rows(user: Any, reads: list[CardRead], *, today: dt.date,
                   on_case_page: int | None = None) -> list[dict]:
    """A card's reads as its live list shows them, each with its forgery step, if any;
    on the page of case `on_case_page`, a step that would lead to that same case is none."""
    here = reverse("warranty:detail", args=[on_case_page]) if on_case_page else None
    rows = []
    for read in reads:
        step = read_next_step(user, read, today=today, card_refusals=False)
        rows.append({**read_row(read), **step_fields(None if step and step.url == here
                                                     else step)})
    return rows
