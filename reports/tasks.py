"""Thin Celery wrappers around reports.services."""

from celery import shared_task

from . import rollups, services


@shared_task(acks_late=True)
def export_job_run_task(job_id: int) -> None:
    services.export_job_run(job_id=job_id)


@shared_task
def export_jobs_resend_task() -> int:
    return services.export_jobs_resend()


@shared_task
def export_jobs_expire_task() -> int:
    return services.export_jobs_expire()


@shared_task
def card_event_days_refresh_task(full: bool = False) -> None:
    if full:
        rollups.card_event_days_refresh()
    else:
        rollups.card_event_days_refresh_recent()
