"""The extension end to end: the card page's "Przedłuż" arms the reader, the card goes
into a real pcscd through vpcd, the real agent reads it, the live server signs the new
file and hands out the write, the agent writes and reads it back through the card's
access condition, and only the verified read-back moves the card."""

from __future__ import annotations

import hashlib
import time

import pytest

from cards.models import CardState
from reader_bridge.agent.cli import enrol
from reader_bridge.agent.state import State
from reader_bridge.extension import extension_session_start
from reader_bridge.models import ChipWriteJob, JobKind, JobState, ReaderDevice
from reader_bridge.services import enrolment_code_create
from tests.reader_bridge.conftest import extendable, signing  # noqa: F401 (fixtures)
from tests.reader_bridge.extension_setup import genuine_file

pytestmark = [pytest.mark.pcsc, pytest.mark.django_db(transaction=True)]

PIN = "12345678"


@pytest.fixture
def workstation(tmp_path, live_server, unit, start_agent):
    """An agent enrolled at the live server, its card profile set, running."""
    state = State(tmp_path / "workstation")
    enrol(state, live_server.url, enrolment_code_create(unit=unit).code, "pc-dziekanat", None,
          force=False)
    state.card_profile.save({"profile": "verify-pin", "key_reference": "81", "pin": PIN})
    start_agent(state, job_wait=2)
    return ReaderDevice.objects.get()


def _wait_for(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _state_of(card) -> str:
    card.refresh_from_db()
    return card.state


def test_przedluz_then_insert_writes_the_chip_and_only_the_read_back_extends(
        reader, workstation, extendable, deans_office):  # noqa: F811
    old_file = genuine_file(extendable)
    extension_session_start(user=deans_office, device_id=workstation.pk, card=extendable)

    inserted = time.monotonic()
    card = reader.insert(old_file, serial=bytes.fromhex(extendable.chip_serial),
                         write_pin=PIN.encode())
    _wait_for(lambda: _state_of(extendable) == CardState.AWAITING_HOLOGRAM)
    elapsed = time.monotonic() - inserted

    job = ChipWriteJob.objects.get(kind=JobKind.WRITE_ELS)
    assert job.state == JobState.VERIFIED
    assert card.els == bytes(job.new_file) != old_file  # the chip holds the new file
    event = extendable.events.get(action="extend")
    assert event.details["els_sha256"] == hashlib.sha256(card.els).hexdigest()
    assert event.details["chip_job"] == str(job.pk)
    print(f"insert to verified: {elapsed:.2f} s")


def test_card_pulled_mid_write_stays_unextended_until_reinserted(
        reader, workstation, extendable, deans_office):  # noqa: F811
    old_file = genuine_file(extendable)
    extension_session_start(user=deans_office, device_id=workstation.pk, card=extendable)
    card_options = {"serial": bytes.fromhex(extendable.chip_serial), "write_pin": PIN.encode()}

    card = reader.insert(old_file, tear_at_write=2, **card_options)
    _wait_for(lambda: ChipWriteJob.objects.filter(kind=JobKind.WRITE_ELS,
                                                  state=JobState.FAILED).exists())
    torn_file = card.els
    reader.remove(card)

    assert _state_of(extendable) == CardState.ACTIVE
    assert torn_file != old_file

    again = reader.insert(torn_file, **card_options)
    _wait_for(lambda: _state_of(extendable) == CardState.AWAITING_HOLOGRAM)
    written = ChipWriteJob.objects.get(kind=JobKind.WRITE_ELS, state=JobState.VERIFIED)
    assert again.els == bytes(written.new_file)
