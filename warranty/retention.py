"""Retention of case photos: `RETENTION_PHOTO_DAYS` after a case closed, its photos go
(the file and the row); the case and its history stay."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from .models import CLOSED_STATES, Attachment


def photo_cutoff(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=settings.RETENTION_PHOTO_DAYS)


def expired_photos_purge(*, now: dt.datetime, dry_run: bool = False) -> int:
    """Delete the photos of cases closed before the cutoff; how many."""
    expired = Attachment.objects.filter(case__state__in=CLOSED_STATES,
                                        case__state_changed_at__lt=photo_cutoff(now))
    if dry_run:
        return expired.count()
    purged = 0
    for attachment in expired.iterator():
        attachment.file.delete(save=False)
        attachment.delete()
        purged += 1
    return purged
