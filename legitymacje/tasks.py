"""Celery tasks of the project as a whole."""

from __future__ import annotations

import dataclasses

from celery import shared_task

from django.utils import timezone

from .retention import expired_data_purge


@shared_task(ignore_result=True)
def expired_data_purge_task() -> dict:
    purged = expired_data_purge(now=timezone.now())
    return dataclasses.asdict(purged)
