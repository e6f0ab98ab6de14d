"""Retention of raw reads and chip files: after `RETENTION_RAW_READ_DAYS` a processed read
keeps only what processing made of it (result with the PESEL masked, diagnosis), and a
finished chip write keeps only its hashes; the message as received and the chip files,
which carry the full PESEL, are emptied."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q

from .models import CardRead, ChipWriteJob, JobState, ProcessingState


def raw_read_cutoff(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=settings.RETENTION_RAW_READ_DAYS)


def raw_reads_purge(*, now: dt.datetime, dry_run: bool = False) -> int:
    """Empty the raw data of processed reads received before the cutoff; how many."""
    expired = (CardRead.objects.exclude(state=ProcessingState.PENDING)
               .filter(received_at__lt=raw_read_cutoff(now))
               .filter(~Q(body="") | Q(els_file__isnull=False) | Q(cert_file__isnull=False)))
    if dry_run:
        return expired.count()
    return expired.update(body="", els_file=None, cert_file=None)


def chip_job_files_purge(*, now: dt.datetime, dry_run: bool = False) -> int:
    """Empty the chip files of write jobs finished before the cutoff; how many.

    A torn write that no read has settled yet keeps its files: the next insertion of the
    card needs the old and the new file to repair it.
    """
    expired = (ChipWriteJob.objects.filter(finished_at__lt=raw_read_cutoff(now))
               .exclude(state=JobState.SENT).exclude(state=JobState.FAILED, outcome__torn=True)
               .filter(Q(old_file__isnull=False) | Q(new_file__isnull=False)
                       | Q(content__isnull=False)))
    if dry_run:
        return expired.count()
    return expired.update(old_file=None, new_file=None, content=None)
