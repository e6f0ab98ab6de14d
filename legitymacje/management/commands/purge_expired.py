"""`manage.py purge_expired [--dry-run]`: apply the retention periods and say what went."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from legitymacje.retention import expired_data_purge


class Command(BaseCommand):
    help = ("Empty raw card reads and finished chip writes older than "
            "RETENTION_RAW_READ_DAYS and delete photos of cases closed longer than "
            "RETENTION_PHOTO_DAYS ago.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help="Only count what would be purged.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        purged = expired_data_purge(now=timezone.now(), dry_run=dry_run)
        if dry_run:
            self.stdout.write(_("Dry run, nothing was deleted."))
        for line in purged.lines():
            self.stdout.write(line)
