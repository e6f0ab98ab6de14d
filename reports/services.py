"""Background exports: request, run (with progress), re-send, expire."""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from functools import partial
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cards.models import Unit

from .access import can_view_reports, report_unit_ids
from .datasets import CHUNK_SIZE, DATASETS
from .exports import write_csv, write_xlsx
from .filters import ReportFilters
from .models import ExportFormat, ExportJob, ExportStatus

logger = logging.getLogger(__name__)

EXPORT_KEPT_FOR = dt.timedelta(days=7)
RESEND_AFTER = dt.timedelta(minutes=5)
RUNNING_GIVES_UP_AFTER = dt.timedelta(hours=2)


class ExportRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def export_job_create(*, owner: Any, dataset: str, file_format: str,
                      filters: ReportFilters) -> ExportJob:
    """Record the request; the worker is told only once the row is committed."""
    if dataset not in DATASETS:
        raise ExportRefused(_("Unknown export."))
    if file_format not in ExportFormat.values:
        raise ExportRefused(_("Unknown file format."))
    with transaction.atomic():
        job = ExportJob.objects.create(owner=owner, dataset=dataset, file_format=file_format,
                                       filters=filters.as_query(), enqueued_at=timezone.now())
        transaction.on_commit(partial(_send_to_worker, job.pk))
    return job


def _send_to_worker(job_id: int) -> None:
    from .tasks import export_job_run_task

    try:
        export_job_run_task.delay(job_id)
    except Exception:  # broker down: the job stays queued and export_jobs_resend retries
        logger.warning("export job %s could not be sent to a worker yet", job_id, exc_info=True)


def _owner_filters(job: ExportJob) -> ReportFilters:
    """The job's filters, checked again against what the owner may see now."""
    allowed = report_unit_ids(job.owner)
    unit_ids = allowed
    unit = job.filters.get("unit")
    if unit:
        unit_ids = frozenset({int(unit)}) & allowed if allowed is not None \
            else frozenset({int(unit)})
    return ReportFilters(date_from=dt.date.fromisoformat(job.filters["date_from"]),
                         date_to=dt.date.fromisoformat(job.filters["date_to"]),
                         unit_ids=unit_ids, kind=job.filters.get("kind", ""))


def export_file_name(job: ExportJob) -> str:
    return (f"{job.dataset}-{job.filters.get('date_from', '')}-{job.filters.get('date_to', '')}"
            f".{job.file_format}")


def export_job_run(*, job_id: int) -> None:
    """Write the export file. A job runs once: a re-delivered message finds it taken."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=timezone.now())
    if not claimed:
        return
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    jobs = ExportJob.objects.filter(pk=job_id)
    if not can_view_reports(job.owner):
        jobs.update(status=ExportStatus.FAILED, finished_at=timezone.now(),
                    error=_("You may no longer see reports."))
        return
    dataset = DATASETS[job.dataset]
    rows = dataset.queryset(_owner_filters(job))
    total = rows.count()
    jobs.update(rows_total=total)

    def report_progress(done: int) -> None:
        jobs.update(rows_written=done, progress=min(99, done * 100 // max(total, 1)))

    handle, path = tempfile.mkstemp(suffix=f".{job.file_format}")
    os.close(handle)
    try:
        stream = dataset.labelled(rows.iterator(chunk_size=CHUNK_SIZE))
        if job.file_format == ExportFormat.CSV:
            with open(path, "w", encoding="utf-8", newline="") as target:
                written = write_csv(target, dataset.header, stream, report_progress)
        else:
            written = write_xlsx(path, dataset.header, stream, str(dataset.title),
                                 report_progress)
        with open(path, "rb") as source:
            stored = default_storage.save(f"exports/{job.pk}/{export_file_name(job)}",
                                          File(source))
    except Exception as exc:
        logger.exception("export job %s failed", job_id)
        jobs.update(status=ExportStatus.FAILED, finished_at=timezone.now(),
                    error=_("The export failed: %(error)s") % {"error": type(exc).__name__})
        return
    finally:
        os.unlink(path)
    finished = timezone.now()
    jobs.update(status=ExportStatus.DONE, progress=100, rows_written=written, file=stored,
                finished_at=finished, expires_at=finished + EXPORT_KEPT_FOR)


def export_jobs_resend(*, now: dt.datetime | None = None) -> int:
    """Send again the queued jobs no worker picked up (e.g. the broker was down); give up
    on jobs whose worker died mid-way. Returns how many were re-sent."""
    now = now or timezone.now()
    ExportJob.objects.filter(status=ExportStatus.RUNNING,
                             started_at__lt=now - RUNNING_GIVES_UP_AFTER).update(
        status=ExportStatus.FAILED, finished_at=now,
        error=_("The export was interrupted. Please request it again."))
    stale = list(ExportJob.objects.filter(status=ExportStatus.QUEUED,
                                          enqueued_at__lt=now - RESEND_AFTER)
                 .values_list("pk", flat=True)[:500])
    ExportJob.objects.filter(pk__in=stale).update(enqueued_at=now)
    for job_id in stale:
        _send_to_worker(job_id)
    return len(stale)


def export_jobs_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports past their expiry; the rows stay as a record."""
    now = now or timezone.now()
    expired = list(ExportJob.objects.filter(status=ExportStatus.DONE, expires_at__lt=now)[:500])
    for job in expired:
        if job.file:
            job.file.delete(save=False)
    ExportJob.objects.filter(pk__in=[job.pk for job in expired]).update(
        status=ExportStatus.EXPIRED, file="")
    return len(expired)


def units_named(unit_ids: frozenset[int] | None) -> list[str]:
    if unit_ids is None:
        return []
    return list(Unit.objects.filter(pk__in=sorted(unit_ids)).values_list("name", flat=True))
