"""Chip writes by the real agent through a real pcscd, the vpcd driver and the virtual
card, with jobs from the fake server: the access condition, a card pulled mid-write."""

from __future__ import annotations

import base64
import subprocess
import sys
import time

import pytest

from tests.agent.els_blob import els_file

pytestmark = pytest.mark.pcsc

SERIAL = "0478AB12CD3480"
PIN = "12345678"


@pytest.fixture
def writable(state):
    state.card_profile.save({"profile": "verify-pin", "key_reference": "81", "pin": PIN})
    return {"write_pin": PIN.encode()}


def _new_file() -> bytes:
    return els_file(signature_size=740).replace(b"20270331", b"20280331")


def test_inserted_card_is_rewritten_through_pcscd_and_read_back(reader, server, start_agent,
                                                                writable, els):
    start_agent(job_wait=1)
    card = reader.insert(els, **writable)
    [read] = server.wait_for_messages(1)
    new = _new_file()

    job = server.hand_out(server.write_job(read["chip_serial"], els, new))
    result = server.result_for(job)

    assert (result["outcome"], result["chip_serial"]) == ("written", SERIAL)
    assert card.els == new and base64.b64decode(result["read_back"]) == new
    assert max(apdu[4] for apdu in card.behaviour.apdus if apdu[1] == 0xD6) <= 0xF0


def test_without_the_pin_the_card_refuses_the_write_with_6982(reader, server, state,
                                                              start_agent, writable, els):
    state.card_profile.save({"profile": "none"})
    start_agent(job_wait=1)
    card = reader.insert(els, **writable)
    server.wait_for_messages(1)

    job = server.hand_out(server.write_job(SERIAL, els, _new_file()))
    result = server.result_for(job)

    assert (result["outcome"], result["failed_step"], result["status_word"]) == \
        ("failed", "update_binary", "6982")
    assert card.els == els


def test_card_pulled_out_mid_write_is_reported_torn_and_repaired_on_reinsertion(
        reader, server, start_agent, writable, els):
    start_agent(job_wait=1)
    card = reader.insert(els, tear_at_write=3, **writable)
    server.wait_for_messages(1)
    new = _new_file()

    job = server.hand_out(server.write_job(SERIAL, els, new))
    torn = server.result_for(job)
    torn_file = card.els
    reader.remove(card)

    assert (torn["outcome"], torn["failed_step"]) == ("failed", "update_binary")
    assert torn["read_back"] is None and torn_file not in (els, new)
    # Back in the reader: the server, which recorded the write as in progress, repairs it.
    again = reader.insert(torn_file, **writable)
    server.wait_for_messages(2)
    repair = server.hand_out(server.write_job(SERIAL, torn_file, new, repair=True))
    assert server.result_for(repair)["outcome"] == "written"
    assert again.els == new


def test_agent_killed_between_write_and_read_back_reports_it_at_restart(
        reader, server, state, start_agent, writable, els):
    agent = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "reader_bridge.agent", "--state-dir", str(state.path), "run",
         "--apdu-timeout", "30"], stderr=subprocess.DEVNULL)
    try:
        card = reader.insert(els, hang_after_write=True, **writable)
        server.wait_for_messages(1)
        job = server.hand_out(server.write_job(SERIAL, els, _new_file()))
        server.wait_for(lambda: state.journal.write_begun(job["job_id"])
                        and any(apdu[1] == 0xB0 for apdu in card.behaviour.apdus[-1:]))
    finally:
        agent.kill()  # mid read-back: no result was queued
        agent.wait()
    assert job["job_id"] not in server.results and not state.results.pending()

    start_agent(job_wait=1)
    result = server.result_for(job)
    reader.remove(card)  # it hangs pcscd's reader until it is out

    assert (result["outcome"], result["failed_step"]) == ("failed", "interrupted")
    assert result["read_back"] is None


def test_a_write_session_waits_for_a_read_holding_the_card(reader, els):
    """No APDU of a write may fall between a read's SELECT and its READ BINARY."""
    import threading

    from reader_bridge.agent.apdu import ReadFailure
    from reader_bridge.agent.pcsc import CardSession, card_with_serial

    reader.insert(els)
    deadline = time.monotonic() + 5
    while True:  # until pcscd has polled the reader and seen the card
        reading = CardSession(reader.name, apdu_timeout=1.0)
        try:
            reading.connect()
            break
        except ReadFailure:
            reading.close()
            assert time.monotonic() < deadline
            time.sleep(0.05)
    released = []

    def finish_the_read() -> None:
        time.sleep(0.3)
        released.append(time.monotonic())
        reading.close()

    threading.Thread(target=finish_the_read).start()
    with card_with_serial(SERIAL, apdu_timeout=3.0) as card:
        got_the_card = time.monotonic()
        assert card is not None

    assert released and got_the_card >= released[0]
