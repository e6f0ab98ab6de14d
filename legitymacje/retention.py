"""Every retention rule of the system, run together by `manage.py purge_expired` and nightly."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from reader_bridge.retention import chip_job_files_purge, raw_reads_purge
from warranty.retention import expired_photos_purge


@dataclass(frozen=True)
class Purged:
    raw_reads: int
    chip_files: int
    photos: int

    def lines(self) -> list[str]:
        return [
            _("Raw card reads emptied (received over %(days)d days ago): %(n)d.")
            % {"days": settings.RETENTION_RAW_READ_DAYS, "n": self.raw_reads},
            _("Chip writes whose files were emptied (finished over %(days)d days ago): %(n)d.")
            % {"days": settings.RETENTION_RAW_READ_DAYS, "n": self.chip_files},
            _("Photos of closed cases deleted (closed over %(days)d days ago): %(n)d.")
            % {"days": settings.RETENTION_PHOTO_DAYS, "n": self.photos},
        ]


def expired_data_purge(*, now: dt.datetime, dry_run: bool = False) -> Purged:
    return Purged(raw_reads=raw_reads_purge(now=now, dry_run=dry_run),
                  chip_files=chip_job_files_purge(now=now, dry_run=dry_run),
                  photos=expired_photos_purge(now=now, dry_run=dry_run))
