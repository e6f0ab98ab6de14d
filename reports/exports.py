"""Writing tables out: CSV streamed row by row, XLSX through a write-only workbook."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any

from openpyxl import Workbook

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRESS_EVERY = 5000


class _Echo:
    """A file-like object whose write() hands the formatted line back."""

    def write(self, value: str) -> str:
        return value


def _plain(value: Any) -> Any:
    """Spreadsheets have no time zones: aware datetimes become local wall-clock time."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text line by line; a BOM first so spreadsheet programs read UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([_plain(value) for value in row])


def csv_response(filename: str, header: Sequence[str],
                 rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def write_csv(target: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]],
              on_progress: Callable[[int], None] | None = None) -> int:
    count = 0
    for count, line in enumerate(csv_lines(header, rows)):
        target.write(line)
        if on_progress and count and count % PROGRESS_EVERY == 0:
            on_progress(count)
    return count


def write_xlsx(target: IO[bytes] | str, header: Sequence[str], rows: Iterable[Sequence[Any]],
               sheet_title: str = "Report",
               on_progress: Callable[[int], None] | None = None) -> int:
    """A write-only workbook keeps only the current row in memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append(list(header))
    count = 0
    for count, row in enumerate(rows, start=1):
        sheet.append([_plain(value) for value in row])
        if on_progress and count % PROGRESS_EVERY == 0:
            on_progress(count)
    workbook.save(target)
    return count


def xlsx_response(filename: str, header: Sequence[str],
                  rows: Iterable[Sequence[Any]], sheet_title: str) -> FileResponse:
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_xlsx(spool, header, rows, sheet_title=sheet_title)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename,
                        content_type=XLSX_CONTENT_TYPE)
