"""Chip files and the read messages that carry them are encrypted at rest: an EF.ELS holds
the holder's PESEL, so a database dump must not show it."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet

from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from reader_bridge.models import CardRead, ChipWriteJob

from .factories import chip_fields, post_read, read_body

pytestmark = pytest.mark.django_db

PESEL = "03220100006"
PLAIN_BODY = '{"pesel": "03220100006"}'


def stored(table: str, columns: str, pk) -> tuple:
    """The columns as the database holds them (no model field in between)."""
    pk = pk.hex if connection.vendor == "sqlite" and hasattr(pk, "hex") else pk
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return tuple(bytes(v) if isinstance(v, memoryview) else v for v in cursor.fetchone())


def holds_pesel(value) -> bool:
    raw = value.encode() if isinstance(value, str) else value
    return PESEL.encode() in raw or base64.b64encode(PESEL.encode())[:8] in raw


@pytest.fixture
def read_with_pesel(client, device, card, no_processing, django_capture_on_commit_callbacks):
    card.holder.pesel = PESEL
    card.holder.save()
    body = read_body(fields=chip_fields(card))
    with django_capture_on_commit_callbacks(execute=True):
        assert post_read(client, device, body).status_code == 201
    return CardRead.objects.get(), body


def test_a_read_keeps_no_plain_pesel_in_the_table_and_reads_back_whole(read_with_pesel):
    read, body = read_with_pesel
    raw_body, raw_els = stored("reader_bridge_cardread", "body, els_file", read.pk)
    assert PESEL.encode() in bytes(read.els_file)  # the chip file itself carries it
    assert not holds_pesel(raw_els) and not holds_pesel(raw_body)
    assert body.decode() not in raw_body
    assert CardRead.objects.get(pk=read.pk).body == body.decode()
    assert bytes(CardRead.objects.get(pk=read.pk).els_file) == bytes(read.els_file)


def test_the_stored_read_is_still_processed_from_its_encrypted_file(read_with_pesel, card):
    from reader_bridge.processing import pending_reads_process

    read, _ = read_with_pesel
    pending_reads_process()
    read.refresh_from_db()
    assert read.card == card and read.diagnosis


def test_a_chip_job_keeps_its_files_encrypted(device, card):
    job = ChipWriteJob.objects.create(
        device=device, card=card, chip_serial=card.chip_serial, old_file=b"old " + PESEL.encode(),
        new_file=b"new " + PESEL.encode(), content=PESEL.encode(),
        expires_at=timezone.now())
    for value in stored("reader_bridge_chipwritejob", "old_file, new_file, content", job.pk):
        assert not holds_pesel(value)
    job = ChipWriteJob.objects.get(pk=job.pk)
    assert (bytes(job.old_file), bytes(job.new_file)) == (b"old " + PESEL.encode(),
                                                          b"new " + PESEL.encode())


def test_encrypted_files_cannot_be_searched():
    with pytest.raises(FieldError):
        list(CardRead.objects.filter(body__contains=PESEL))
    assert not CardRead.objects.filter(body="").exists()  # empty stays comparable


def test_key_rotation_re_encrypts_reads_and_jobs(settings, read_with_pesel):
    read, body = read_with_pesel
    new_key = Fernet.generate_key().decode()
    settings.PESEL_ENCRYPTION_KEYS = [new_key, *settings.PESEL_ENCRYPTION_KEYS]
    call_command("pesel_rotate_key", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.PESEL_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    assert CardRead.objects.get(pk=read.pk).body == body.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_stored_plain_reads(device, card):
    before = [("reader_bridge", "0005_chip_jobs")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    els = b"\x30\x82" + PESEL.encode()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reader_bridge_cardread (message_id, body_sha256, body, received_at,"
            " read_at, sequence, outcome, failed_step, status_word, atr, chip_serial, els_file,"
            " state, result, diagnosis, diagnosis_detail, device_id) VALUES"
            " (%s, '', %s, %s, %s, 1, 'ok', '', '', '', '', %s, 'done', '{}', '', '', %s)"
            " RETURNING id",
            ["6f1d1c58-2b5e-4f7c-9a51-3d3f3a9d0b11", PLAIN_BODY, timezone.now(),
             timezone.now(), els, device.pk.hex])
        pk = cursor.fetchone()[0]

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert not any(holds_pesel(v) for v in stored("reader_bridge_cardread", "body, els_file", pk))
    read = CardRead.objects.get(pk=pk)
    assert (read.body, bytes(read.els_file)) == (PLAIN_BODY, els)
