"""`manage.py import_holders FILE`: load a USOS-style CSV export (columns: docs/import.md)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tqdm import tqdm

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cards.importer import (
    CREATED,
    ENTITIES,
    UNCHANGED,
    UPDATED,
    HeaderError,
    ImportReport,
    import_holders,
)

ENTITY_LABELS = {
    "unit": gettext_lazy("units"),
    "holder": gettext_lazy("holders"),
    "enrolment": gettext_lazy("programmes"),
    "employment": gettext_lazy("employments"),
    "card": gettext_lazy("cards"),
}


class Command(BaseCommand):
    help = "Import units, holders, programmes, employments and cards from a CSV export."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true",
                            help="Check and count everything, then roll back.")
        parser.add_argument("--delimiter", default=None,
                            help="Cell separator; guessed from the header (, ; tab |) if omitted.")
        parser.add_argument("--encoding", default="utf-8-sig",
                            help="Text encoding (default UTF-8, with or without BOM).")
        parser.add_argument("--no-progress", action="store_true",
                            help="No progress bar (it is also off when stderr is not a terminal).")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        delimiter = options["delimiter"]
        if delimiter in ("\\t", "tab"):
            delimiter = "\t"
        if delimiter is not None and len(delimiter) != 1:
            raise CommandError(_("The delimiter must be one character."))
        show_progress = not options["no_progress"] and sys.stderr.isatty()
        started = time.monotonic()
        try:
            with (path.open(encoding=options["encoding"], newline="") as lines,
                  tqdm(total=count_rows(path) if show_progress else None, unit=" rows",
                       file=sys.stderr, disable=not show_progress) as bar):
                report = import_holders(lines, delimiter=delimiter,
                                        dry_run=options["dry_run"], progress=bar.update)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(_("The file is not valid %(encoding)s text (%(error)s); try "
                                 "--encoding cp1250.") % {"encoding": options["encoding"],
                                                          "error": exc}) from exc
        except HeaderError as exc:
            raise CommandError(str(exc)) from exc
        self.print_report(report, time.monotonic() - started)
        if report.failed:
            raise CommandError(
                _("%(n)d row(s) failed; the other rows were imported.") % {"n": len(report.errors)}
                if not report.dry_run else
                _("%(n)d row(s) would fail.") % {"n": len(report.errors)},
                returncode=1,
            )

    def print_report(self, report: ImportReport, seconds: float) -> None:
        out = self.stdout
        if report.ignored_columns:
            out.write(_("Ignored columns: %(columns)s") % {
                "columns": ", ".join(report.ignored_columns)})
        for line, message in report.mismatches:
            self.stderr.write(_("line %(line)d: mismatch: %(message)s") % {
                "line": line, "message": message}, self.style.WARNING)
        for line, message in report.errors:
            self.stderr.write(_("line %(line)d: %(message)s") % {"line": line, "message": message})
        if report.dry_run:
            out.write(self.style.WARNING(_("Dry run: nothing was saved.")))
        out.write(_("%(rows)d rows in %(seconds).1f s, %(failed)d failed, %(mismatches)d "
                    "mismatch(es).") % {"rows": report.rows, "seconds": seconds,
                                         "failed": len(report.errors),
                                         "mismatches": len(report.mismatches)})
        out.write(f"{'':12}{_('created'):>10}{_('updated'):>10}{_('unchanged'):>10}")
        for entity in ENTITIES:
            counts = [report.count(entity, outcome) for outcome in (CREATED, UPDATED, UNCHANGED)]
            out.write(f"{ENTITY_LABELS[entity]!s:12}" + "".join(f"{n:>10}" for n in counts))


def count_rows(path: Path) -> int:
    with path.open("rb") as raw:
        return max(sum(1 for _line in raw) - 1, 0)
