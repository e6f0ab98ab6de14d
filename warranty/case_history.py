"""The case page's parts drawn from the case's history, rendered once per version of it:
the timeline (the case's history, its card's history since it opened, comments, e-mails),
the photos and the extension attempts.

The database keeps the version (`Case.timeline_version`, migration 0008): a new random
value whenever the case or any row these parts show is written, by whatever writes it. It
comes with the case's own row, so a page whose parts are kept reads none of those rows.

The parts show nothing that depends on who looks: they are rendered from the case alone,
without the request (no user, no permissions, no forms); what they do depend on besides the
case, the language, time zone and URL prefix, is in the key with the version
(`cards.fragments.key`). They are kept in this process's memory, not in Redis: a new release (its
templates, translations or code) starts with none, and nothing kept by another build is
ever shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from cards import fragments

from .models import Case, CaseKind
from .selectors import load_history, staff_timeline


@dataclass(frozen=True)
class HistoryParts:
    timeline: SafeString
    photos: SafeString
    attempts: SafeString  # empty but for extension failures


def history_parts(case: Case) -> HistoryParts:
    """The parts of `case` (read without its history) as this version of it shows them."""
    key = (fragments.key("case-history", case.pk, case.timeline_version)
           if case.timeline_version else None)
    return fragments.kept(key, lambda: _render(case))


def _render(case: Case) -> HistoryParts:
    load_history(case)
    context = {"case": case}
    return HistoryParts(
        timeline=render_to_string("warranty/_case_timeline.html",
                                  {**context, "timeline": staff_timeline(case)}),
        photos=render_to_string("warranty/_case_photos.html",
                                {**context, "photos": case.attachments.all()}),
        attempts=render_to_string("warranty/_case_attempts.html",
                                  {**context, "attempts": case.attempts.all()})
        if case.kind == CaseKind.EXTENSION_FAILURE else mark_safe(""),
    )
