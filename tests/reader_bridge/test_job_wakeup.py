"""The long poll sleeps on Redis and wakes when a job for its device is committed,
instead of asking the database ten times a second; without Redis it still finds jobs."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from django.db import connection
from django.utils import timezone

from reader_bridge import job_channel, job_wakeup
from reader_bridge.models import ChipWriteJob, JobKind

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def job_for(device, card) -> ChipWriteJob:
    return ChipWriteJob.objects.create(
        kind=JobKind.READ_ELS, device=device, card=card, chip_serial=card.chip_serial,
        expires_at=timezone.now() + dt.timedelta(minutes=1))


def poll_in_thread(device, wait_seconds: float):
    """Start a long poll; returns (thread, outcome) with outcome filled when it ends."""
    outcome: dict = {}

    def poll():
        try:
            outcome["job"] = job_channel.job_wait(device.pk, wait_seconds=wait_seconds)
            outcome["ended"] = time.monotonic()
        finally:
            connection.close()

    thread = threading.Thread(target=poll)
    thread.start()
    return thread, outcome


@pytest.fixture
def counted_claims(monkeypatch):
    claims = []
    claim = job_channel.job_claim
    monkeypatch.setattr(job_channel, "job_claim",
                        lambda device_id: claims.append(1) or claim(device_id))
    return claims


@pytest.mark.redis
def test_a_waiting_poll_takes_the_job_when_it_is_committed_not_at_its_recheck(
        settings, monkeypatch, device, card, counted_claims):
    assert settings.REDIS_URL
    monkeypatch.setattr(job_wakeup, "RECHECK_SECONDS", 20.0)
    thread, outcome = poll_in_thread(device, wait_seconds=25)
    time.sleep(1)  # the poll is asleep on its list
    job = job_for(device, card)
    committed = time.monotonic()
    thread.join(timeout=30)

    assert outcome["job"] == job
    assert outcome["ended"] - committed < 10  # woken, long before its 20 s recheck
    assert len(counted_claims) <= 2  # one look before sleeping, one when woken


@pytest.mark.redis
def test_an_idle_poll_asks_the_database_only_at_its_rechecks(settings, monkeypatch, device,
                                                             counted_claims):
    monkeypatch.setattr(job_wakeup, "RECHECK_SECONDS", 1.0)
    assert job_channel.job_wait(device.pk, wait_seconds=3) is None
    assert 3 <= len(counted_claims) <= 5  # was ~30 (every 0.1 s)


@pytest.mark.parametrize("redis_url", ["", "redis://127.0.0.1:1/0"],
                         ids=["no Redis (the demo)", "Redis down"])
def test_without_a_working_redis_the_poll_still_finds_the_job(settings, redis_url, device,
                                                              card):
    settings.REDIS_URL = redis_url
    thread, outcome = poll_in_thread(device, wait_seconds=10)
    time.sleep(0.5)
    job = job_for(device, card)  # its wake-up is lost: nothing listens
    thread.join(timeout=15)
    assert outcome["job"] == job
