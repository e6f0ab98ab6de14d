"""Celery tasks: thin wrappers around the processing and sweeper services."""

from __future__ import annotations

from celery import shared_task

from .processing import pending_reads_process
from .services import pending_reads_resend


@shared_task(acks_late=True, ignore_result=True)
def process_pending_reads_task() -> int:
    return pending_reads_process()


@shared_task(ignore_result=True)
def resend_pending_reads_task() -> int:
    return pending_reads_resend()
