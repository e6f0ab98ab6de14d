"""Retention: old raw reads lose their personal raw data, photos of long-closed cases go."""

from __future__ import annotations

import datetime as dt
import io
import os
import uuid

import pytest
from PIL import Image

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from legitymacje.tasks import expired_data_purge_task
from reader_bridge.models import CardRead, ProcessingState
from tests.factories import CardFactory, UserFactory
from tests.reader_bridge.factories import ReaderDeviceFactory
from tests.warranty.helpers import open_case
from warranty.models import Attachment, Case, CaseState
from warranty.services import case_attachment_add

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def stored_read(device, *, days_ago: int, state=ProcessingState.DONE) -> CardRead:
    return CardRead.objects.create(
        device=device, message_id=uuid.uuid4(), body_sha256="0" * 64, body='{"els": "…"}',
        received_at=NOW - dt.timedelta(days=days_ago), read_at=NOW, sequence=days_ago,
        outcome="ok", els_file=b"\x30\x03raw", cert_file=b"\x30\x03crt", state=state,
        result={"chip": {"data": {"pesel": "•••••••0006"}}})


def photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), "white").save(out, format="PNG")
    return SimpleUploadedFile("card.png", out.getvalue())


def run(*args) -> str:
    out = io.StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def test_purge_empties_old_raw_reads_and_deletes_old_photos_and_says_so(unit, english, settings):
    settings.RETENTION_RAW_READ_DAYS, settings.RETENTION_PHOTO_DAYS = 30, 100
    device = ReaderDeviceFactory(unit=unit)
    old, recent = stored_read(device, days_ago=31), stored_read(device, days_ago=29)
    waiting = stored_read(device, days_ago=60, state=ProcessingState.PENDING)
    ssos = UserFactory(roles=["ssos"])
    office = UserFactory(roles=["dziekanat"], units=[unit])
    closed_long_ago, still_open = (open_case(CardFactory(serving_unit=unit), "fault", office)
                                   for _ in range(2))
    old_photo = case_attachment_add(case_id=closed_long_ago.pk, actor=ssos, upload=photo())
    kept_photo = case_attachment_add(case_id=still_open.pk, actor=ssos, upload=photo())
    Case.objects.filter(pk=closed_long_ago.pk).update(
        state=CaseState.CANCELLED, state_changed_at=NOW - dt.timedelta(days=101))
    old_file = old_photo.file.path

    assert "Raw card reads emptied (received over 30 days ago): 1." in run("--dry-run")
    assert CardRead.objects.get(pk=old.pk).els_file is not None  # a dry run keeps all

    report = run()

    assert "Raw card reads emptied (received over 30 days ago): 1." in report
    assert "Photos of closed cases deleted (closed over 100 days ago): 1." in report
    old.refresh_from_db()
    assert (old.body, old.els_file, old.cert_file) == ("", None, None)
    assert old.result["chip"]["data"]["pesel"] == "•••••••0006"  # what processing made stays
    for kept in (recent, waiting):
        assert CardRead.objects.get(pk=kept.pk).els_file is not None
    assert list(Attachment.objects.all()) == [kept_photo]
    assert not os.path.exists(old_file) and os.path.exists(kept_photo.file.path)
    assert "emptied (received over 30 days ago): 0." in run()  # nothing twice


def test_the_purge_runs_nightly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-personal-data"]
    assert entry["task"] == "legitymacje.tasks.expired_data_purge_task"
    assert expired_data_purge_task.delay().get() == {"raw_reads": 0, "chip_files": 0,
                                                     "photos": 0}


def test_purge_empties_the_chip_files_of_old_finished_writes_but_not_of_a_torn_one(
        unit, english, settings):
    from reader_bridge.models import ChipWriteJob, JobKind, JobState

    settings.RETENTION_RAW_READ_DAYS = 30
    device, card = ReaderDeviceFactory(unit=unit), CardFactory(serving_unit=unit)

    def job(state, days_ago, **outcome):
        return ChipWriteJob.objects.create(
            kind=JobKind.WRITE_ELS, device=device, card=card, chip_serial=card.chip_serial,
            old_file=b"old", new_file=b"new", content=b"content", state=state,
            expires_at=NOW, finished_at=NOW - dt.timedelta(days=days_ago), outcome=outcome)

    old_verified, recent = job(JobState.VERIFIED, 31), job(JobState.VERIFIED, 29)
    torn = job(JobState.FAILED, 40, torn=True)  # the next insertion still needs its files

    assert "Chip writes whose files were emptied (finished over 30 days ago): 1." in run()

    old_verified.refresh_from_db()
    assert (old_verified.old_file, old_verified.new_file, old_verified.content) == (
        None, None, None)
    for kept in (recent, torn):
        assert bytes(ChipWriteJob.objects.get(pk=kept.pk).new_file) == b"new"
