"""Extension through the chip, measured end to end on this machine.

    .venv/bin/pytest -p no:cacheprovider -s bench/extension/bench_extension.py
    BENCH_CARDS=100 BENCH_BATCH=200 BENCH_PULLED=10 (the defaults)

The real stack: virtual cards behind a private pcscd (vpcd), the real agent process
threads, the live Django server on PostgreSQL (DATABASE_URL), the card's write access
condition (VERIFY before UPDATE BINARY). Server signing is whatever `extension` uses
(see tests/reader_bridge/conftest.py `signing`).

1. Insert → verified, one card at a time as from the card page ("Przedłuż" arms the
   reader for that card): from the card going into the reader to the card standing in
   `awaiting_hologram` in the database (the card page shows it on its next refresh).
   Prints median and p95.
2. A semester-start batch: one session for every card inserted; BENCH_BATCH cards, of
   which BENCH_PULLED are pulled out mid-write at a random chunk and inserted again.
   Prints how many were extended, written twice (a full new file sent to one chip more
   than once), and believed early (awaiting a hologram while the chip did not hold the
   new file).
"""

from __future__ import annotations

import base64
import os
import random
import statistics
import time

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from cards.chip_testing import shared_test_pki
from cards.models import CardState
from reader_bridge.agent.cli import enrol
from reader_bridge.agent.state import State
from reader_bridge.extension import extension_session_start
from reader_bridge.models import ChipWriteJob, JobKind, JobState, ReaderDevice
from reader_bridge.services import enrolment_code_create
from tests.factories import (
    CardFactory,
    EnrolmentFactory,
    SemesterFactory,
    SigningCertificateFactory,
)
from tests.reader_bridge.extension_setup import genuine_file
from tests.reader_bridge.factories import trust

pytestmark = [pytest.mark.pcsc, pytest.mark.django_db(transaction=True)]

PIN = "12345678"
CARDS = int(os.environ.get("BENCH_CARDS", 100))
BATCH = int(os.environ.get("BENCH_BATCH", 200))
PULLED = int(os.environ.get("BENCH_PULLED", 10))


@pytest.fixture
def workstation(tmp_path, live_server, unit, start_agent, signing):
    state = State(tmp_path / "workstation")
    enrol(state, live_server.url, enrolment_code_create(unit=unit).code, "pc-bench", None,
          force=False)
    state.card_profile.save({"profile": "verify-pin", "key_reference": "81", "pin": PIN})
    start_agent(state, job_wait=5, apdu_timeout=5.0)
    trust(shared_test_pki().ca_cert)
    SemesterFactory()
    _key, cert = shared_test_pki().signer("ELS")
    SigningCertificateFactory(unit=unit, certificate_pem=cert.public_bytes(Encoding.PEM).decode())
    return ReaderDevice.objects.get()


def _extendable(unit):
    card = CardFactory(serving_unit=unit)
    EnrolmentFactory(holder=card.holder, unit=unit)
    return card


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def _state(card) -> str:
    card.refresh_from_db(fields=["state"])
    return card.state


def _options(card, **more):
    return {"serial": bytes.fromhex(card.chip_serial), "write_pin": PIN.encode(), **more}


def _full_writes(chip_file_size: int, chip) -> int:
    """How many times the whole file went onto the chip: UPDATE BINARYs reaching its last
    byte, except one the card tore (it took only half of it)."""
    updates = [apdu for apdu in chip.behaviour.apdus if apdu[1] == 0xD6]
    torn = chip.behaviour.tear_at_write
    return sum(1 for number, apdu in enumerate(updates, start=1)
               if number != torn and ((apdu[2] << 8) | apdu[3]) + apdu[4] >= chip_file_size)


def test_insert_to_verified_one_card_at_a_time(reader, workstation, unit, deans_office):
    seconds = []
    for _ in range(CARDS):
        card = _extendable(unit)
        extension_session_start(user=deans_office, device_id=workstation.pk, card=card)
        _wait_for(lambda: not ChipWriteJob.objects.filter(
            kind=JobKind.READ_ELS, state__in=[JobState.READY, JobState.SENT]).exists())
        inserted = time.monotonic()
        chip = reader.insert(genuine_file(card), **_options(card))
        _wait_for(lambda card=card: _state(card) == CardState.AWAITING_HOLOGRAM)
        seconds.append(time.monotonic() - inserted)
        reader.remove(chip)

    seconds.sort()
    p95 = seconds[max(0, round(0.95 * len(seconds)) - 1)]
    print(f"\ninsert → verified over {len(seconds)} cards: median "
          f"{statistics.median(seconds):.3f} s, p95 {p95:.3f} s, max {seconds[-1]:.3f} s")


def test_batch_with_cards_pulled_mid_write(reader, workstation, unit, deans_office):
    extension_session_start(user=deans_office, device_id=workstation.pk, card=None)
    cards = [_extendable(unit) for _ in range(BATCH)]
    pulled = set(random.sample(range(BATCH), PULLED))
    chips: dict[int, list] = {}
    believed_early = 0
    started = time.monotonic()
    for index, card in enumerate(cards):
        old = genuine_file(card)
        if index in pulled:
            chunks = -(-len(old) // 0xF0)
            torn = reader.insert(old, **_options(card, tear_at_write=random.randint(1, chunks)))
            _wait_for(lambda card=card: ChipWriteJob.objects.filter(
                card=card, kind=JobKind.WRITE_ELS, state=JobState.FAILED).exists())
            believed_early += _state(card) != CardState.ACTIVE
            reader.remove(torn)
            chips[card.pk] = [torn]
            old = torn.els  # what the chip holds now
        chip = reader.insert(old, **_options(card))
        _wait_for(lambda card=card: _state(card) == CardState.AWAITING_HOLOGRAM)
        chips.setdefault(card.pk, []).append(chip)
        reader.remove(chip)
    elapsed = time.monotonic() - started

    extended = twice = 0
    for card in cards:
        event = card.events.get(action="extend")
        final = chips[card.pk][-1].els
        believed_early += final != base64.b64decode(event.details["els_file"])
        extended += _state(card) == CardState.AWAITING_HOLOGRAM
        full = sum(_full_writes(len(final), chip) for chip in chips[card.pk])
        twice += full > 1
    print(f"\nbatch of {BATCH} ({PULLED} pulled mid-write) in {elapsed:.1f} s "
          f"({elapsed / BATCH:.2f} s per card): {extended} extended, {twice} written twice, "
          f"{believed_early} believed early")
    assert (extended, twice, believed_early) == (BATCH, 0, 0)
