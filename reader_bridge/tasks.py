"""Celery tasks: thin wrappers around the processing and sweeper services."""

from __future__ import annotations

from celery import shared_task

from .processing import read_process
from .services import pending_reads_resend


@shared_task(acks_late=True)
def process_read_task(read_id: int) -> None:
    read_process(read_id)


@shared_task
def resend_pending_reads_task() -> int:
    return pending_reads_resend()
