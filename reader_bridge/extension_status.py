"""What the card page shows of an extension at a reader: where it stands, live.

The write's state comes from the card's last chip job (in progress, torn, verified),
so an operator sees a torn write and what to do about it whoever started it.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cards.models import Card, CardState

from .models import ChipWriteJob, ExtensionRefusal, ExtensionSession, JobKind, JobState

# step → (tone of the notice, whether the page may stop asking)
STEPS = {
    "waiting": ("info", False),
    "signing": ("info", False),
    "ready": ("info", False),
    "writing": ("info", False),
    "torn": ("warn", False),
    "failed": ("error", True),
    "refused": ("error", True),
    "verified": ("done", True),
}


def _texts() -> dict[str, str]:
    return {
        "waiting": _("Waiting for the card in %(reader)s: insert it in the reader (a card "
                     "already there is read now)."),
        "signing": _("Sign the new chip file at the workstation (qualified signature card "
                     "and its PIN)."),
        "ready": _("The new chip file is signed; the reader writes it in a moment. Do not "
                   "remove the card."),
        "writing": _("Writing to the chip: do not remove the card."),
        "torn": _("The write was interrupted: insert the card again (włóż legitymację "
                  "ponownie); the system finishes or repeats the write."),
        "failed": _("The write failed; the card is unchanged. %(detail)s"),
        "refused": _("Not extended: %(reason)s"),
        "verified": _("Written and verified: valid until %(date)s. Stick on the hologram "
                      "(naklej hologram)."),
    }


def _latest_write(card: Card) -> ChipWriteJob | None:
    return (ChipWriteJob.objects.filter(card=card, kind=JobKind.WRITE_ELS)
            .select_related("device").defer("old_file", "new_file", "content")
            .order_by("-created_at").first())


def write_step(job: ChipWriteJob, now: dt.datetime) -> str:
    """Where a write job stands (the card page and the batch page tell it alike)."""
    if job.state == JobState.AWAITING_SIGNATURE:
        return "signing"
    if job.state == JobState.READY:
        return "ready"
    if job.state == JobState.SENT:
        return "writing" if job.expires_at > now else "torn"
    if job.state == JobState.FAILED:
        return "torn" if job.outcome.get("torn") else "failed"
    if job.state == JobState.VERIFIED:
        return "verified"
    return "failed"  # expired before any reader took it


def extension_status(card: Card, *, now: dt.datetime | None = None) -> dict | None:
    """{"step", "tone", "text", "done", "case_url"} for the card's latest extension, or
    None when it never had one at a reader."""
    now = now or timezone.now()
    session = (ExtensionSession.objects.filter(card=card).select_related("device")
               .order_by("-started_at").first())
    job = _latest_write(card)
    refusal = ExtensionRefusal.objects.filter(card=card).order_by("-at").first()
    moments = {"session": session.started_at if session else None,
               "job": job.created_at if job else None,
               "refusal": refusal.at if refusal else None}
    latest = max((name for name, at in moments.items() if at), key=lambda n: moments[n],
                 default=None)
    texts, values, case_url = _texts(), {}, None
    if latest is None:
        return None
    if latest == "refusal":
        step, values = "refused", {"reason": refusal.reason}
        if refusal.case_id:
            case_url = reverse("warranty:detail", args=[refusal.case_id])
    elif latest == "job":
        step = write_step(job, now)
        detail = job.outcome.get("card_refused") or "; ".join(job.outcome.get("problems", []))
        if step == "verified" and job.valid_until is None:  # the old file was restored
            step, detail = "failed", _("The old chip file was restored.")
        elif step == "verified" and card.state != CardState.AWAITING_HOLOGRAM:
            return None  # extended and the hologram confirmed: nothing left to do here
        values = {"date": date_format(job.valid_until) if job.valid_until else "",
                  "detail": detail}
    elif session.is_open(now):
        step, values = "waiting", {"reader": session.device.name}
    else:
        return None
    tone, done = STEPS[step]
    still_open = session is not None and session.is_open(now)
    return {"step": step, "tone": tone, "text": texts[step] % values,
            "done": done and not still_open, "case_url": case_url}
