"""Reads as the card (and later the case) page shows them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .diagnosis import REMEDIES
from .models import CardRead, Diagnosis, ProcessingState, ReadRequest
from .read_text import detail_for_display

PAGE_READS = 20
# Rows processed just before `since` are sent again: a task that committed a little
# later than another must not be missed by a poll in between.
POLL_OVERLAP = dt.timedelta(seconds=5)


def _processed_reads() -> QuerySet[CardRead]:
    return (CardRead.objects.filter(state=ProcessingState.DONE).select_related("device")
            .defer("body", "els_file", "cert_file", "result")
            .order_by("-processed_at", "-pk"))


def reads_for_card(card_id: int, *, since: dt.datetime | None = None,
                   limit: int = PAGE_READS) -> list[CardRead]:
    reads = _processed_reads().select_related("card").filter(card_id=card_id)
    if since is not None:
        reads = reads.filter(processed_at__gte=since - POLL_OVERLAP)
    return list(reads[:limit])


def reads_for_request(request_id: int) -> list[CardRead]:
    return list(_processed_reads().filter(request_id=request_id)[:PAGE_READS])


def reads_for_case(case_id: int, *, since: dt.datetime | None = None) -> list[CardRead]:
    """Reads asked for from a case page (ReadRequest.case_id), newest first."""
    reads = _processed_reads().filter(request__case_id=case_id)
    if since is not None:
        reads = reads.filter(processed_at__gte=since - POLL_OVERLAP)
    return list(reads[:PAGE_READS])


def pending_request_for(*, user: Any, card_id: int) -> ReadRequest | None:
    return (ReadRequest.objects.select_related("device")
            .filter(card_id=card_id, requested_by_id=user.pk, fulfilled_at__isnull=True,
                    expires_at__gt=timezone.now())
            .order_by("-requested_at").first())


def pending_row(request: ReadRequest) -> dict:
    """The live list's "waiting for a read" notice."""
    return {"id": request.pk, "text": _(
        "Waiting for a read from %(reader)s (until %(until)s): insert the card in the reader."
    ) % {"reader": request.device.name,
         "until": timezone.localtime(request.expires_at).strftime("%H:%M")}}


def read_row(read: CardRead) -> dict:
    """What the live list shows of a read: no chip data, no PESEL."""
    diagnosis = Diagnosis(read.diagnosis) if read.diagnosis else None
    return {
        "id": read.pk,
        "read_at": date_format(timezone.localtime(read.read_at), "SHORT_DATETIME_FORMAT"),
        "reader": read.device.name,
        "outcome": read.get_outcome_display(),
        "diagnosis": read.diagnosis,
        "diagnosis_label": str(diagnosis.label) if diagnosis else "",
        "remedy": str(REMEDIES[diagnosis]) if diagnosis else "",
        "detail": detail_for_display(read.diagnosis_detail),
        "request_id": read.request_id,
    }


def reads_at_devices(device_ids: list, *, since: dt.datetime | None = None,
                     limit: int = PAGE_READS) -> list[CardRead]:
    """The latest reads at these readers, whichever card (or none) they found."""
    reads = _processed_reads().select_related("card").filter(device_id__in=device_ids)
    if since is not None:
        reads = reads.filter(processed_at__gte=since - POLL_OVERLAP)
    return list(reads[:limit])
