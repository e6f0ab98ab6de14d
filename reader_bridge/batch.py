"""Semester-start batch extension: a reader armed for every card inserted (an
`ExtensionSession` without a card), and each card's progress as the batch page lists it.

The decisions are `reader_bridge.extension`'s; this module only starts and ends the
batch and tells, per card, where its extension stands.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from warranty.models import Case
from warranty.next_steps import NextStep, next_step
from warranty.rules import REMEDIES

from .extension import extension_session_start
from .extension_status import write_step
from .models import ChipWriteJob, ExtensionRefusal, ExtensionSession, JobKind
from .services import devices_for_user

# A morning at the desk; a reader left armed longer is a risk, so the clerk starts anew.
BATCH_LIFETIME = dt.timedelta(hours=2)
# Rows changed just before `since` are sent again, as for the live reads.
POLL_OVERLAP = dt.timedelta(seconds=5)


class Status:
    EXTENDED = "extended"
    WORKING = "working"
    RETRY = "retry"
    REFUSED = "refused"


# The write steps of `extension_status.write_step` a card is still in the reader for.
IN_PROGRESS = {
    "signing": gettext_lazy("Signing the new chip file…"),
    "ready": gettext_lazy("Waiting for the reader to write…"),
    "writing": gettext_lazy("Writing to the chip: do not remove the card."),
}


def batch_start(*, user: Any, device_id: Any, now: dt.datetime | None = None) -> ExtensionSession:
    return extension_session_start(user=user, device_id=device_id, card=None,
                                   lifetime=BATCH_LIFETIME, now=now)


def batches_for_user(user: Any) -> QuerySet[ExtensionSession]:
    """Batches on the readers of the user's units."""
    return (ExtensionSession.objects.filter(card__isnull=True, device__in=devices_for_user(user))
            .select_related("device__unit", "started_by"))


@dataclass
class Row:
    key: str
    at: dt.datetime  # the row's latest news
    first_at: dt.datetime  # when the card first came in during this batch
    status: str
    label: str
    card: Any = None
    detail: str = ""
    remedy: str = ""
    case: Case | None = None
    next_step: NextStep | None = None  # the refusal's, when it is not the case link

    def as_json(self) -> dict:
        card, case = self.card, self.case
        return {
            "key": self.key, "status": self.status, "label": self.label,
            "detail": self.detail, "remedy": self.remedy,
            "at": timezone.localtime(self.at).strftime("%H:%M:%S"),
            "card": card.number if card else _("unknown card"),
            "holder": card.holder.full_name if card else "",
            "card_url": reverse("cards:detail", args=[card.pk]) if card else "",
            "case": _("Case %(number)s") % {"number": case.number} if case else "",
            "case_url": reverse("warranty:detail", args=[case.pk]) if case else "",
            "next_label": self.next_step.label if self.next_step else "",
            "next_url": self.next_step.url if self.next_step else "",
        }


def _job_row(job: ChipWriteJob, now: dt.datetime) -> Row:
    at = job.finished_at or job.sent_at or job.created_at
    row = Row(key=f"card-{job.card_id}", at=at, first_at=job.created_at, card=job.card,
              status=Status.WORKING, label="")
    step = write_step(job, now)
    if step == "verified" and job.valid_until is not None:
        row.status, row.label = Status.EXTENDED, _("Extended — stick the hologram on")
        row.detail = _("Valid until %(date)s on the chip.") % {
            "date": date_format(job.valid_until, "SHORT_DATE_FORMAT")}
    elif step in IN_PROGRESS:
        row.label = str(IN_PROGRESS[step])
    elif step == "torn":
        if job.finished_at is None:  # sent, and no result came back in time
            row.at = job.expires_at
        row.status, row.label = Status.RETRY, _("The write was interrupted")
        row.remedy = _("Insert the card again: the write is finished or repeated.")
    else:  # failed, expired, or the old file put back
        row.status, row.label = Status.RETRY, _("Not written")
        row.remedy = _("Insert the card again.")
    return row


def _refusal_row(refusal: ExtensionRefusal, case: Case | None, user: Any,
                 today: dt.date) -> Row:
    key = f"card-{refusal.card_id}" if refusal.card_id else f"refusal-{refusal.pk}"
    row = Row(key=key, at=refusal.at, first_at=refusal.at, card=refusal.card,
              status=Status.REFUSED,
              label=_("Not extended"), detail=refusal.reason, case=case)
    remedy = REMEDIES.get(refusal.extension_error)
    steps = [str(remedy.steps[0]), str(remedy.escalation)] if remedy else []
    if case is not None:
        steps.append(_("Set the card aside: case %(number)s is open with the read.")
                     % {"number": case.number})
    row.remedy = " ".join(steps)
    if refusal.card is not None:
        step = next_step(user, refusal.card, today=today,
                         extension_error=refusal.extension_error, open_case=case)
        if step and not (case and step.url == reverse("warranty:detail", args=[case.pk])):
            row.next_step = step
    return row


def batch_rows(session: ExtensionSession, now: dt.datetime, user: Any) -> list[Row]:
    """One row per card with its latest news, the card that came in last on top. A card
    extended in this batch stays "extended": a later insertion of it (refused, as it
    needs no extension now) does not hide that."""
    jobs = (ChipWriteJob.objects.filter(session=session, kind=JobKind.WRITE_ELS)
            .select_related("card__holder").defer("old_file", "new_file", "content"))
    refusals = list(ExtensionRefusal.objects.filter(session=session)
                    .select_related("card__holder")
                    .prefetch_related("card__holder__enrolments",
                                      "card__holder__employments"))
    today = timezone.localdate(now)
    cases = Case.objects.in_bulk([r.case_id for r in refusals if r.case_id])
    rows: dict[str, Row] = {}
    for row in [*(_job_row(job, now) for job in jobs),
                *(_refusal_row(r, cases.get(r.case_id), user, today) for r in refusals)]:
        known = rows.get(row.key)
        if known is None:
            rows[row.key] = row
        elif known.status != Status.EXTENDED and row.at >= known.at:
            row.first_at = min(row.first_at, known.first_at)
            rows[row.key] = row
        else:
            known.first_at = min(row.first_at, known.first_at)
    return sorted(rows.values(), key=lambda row: row.first_at, reverse=True)


def changed_since(rows: list[Row], since: dt.datetime | None) -> list[Row]:
    return rows if since is None else [row for row in rows if row.at >= since - POLL_OVERLAP]


def batch_counts(rows: list[Row]) -> dict[str, int]:
    counts = {status: 0 for status in (Status.EXTENDED, Status.WORKING, Status.RETRY,
                                       Status.REFUSED)}
    for row in rows:
        counts[row.status] += 1
    return counts
