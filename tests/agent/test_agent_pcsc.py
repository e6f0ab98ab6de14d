"""The real agent against a real pcscd, the vpcd driver and a virtual ELS card."""

from __future__ import annotations

import base64
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from reader_bridge.agent.signing import verify
from tests.agent.virtual_card import ATR_T0, ATR_T1

pytestmark = pytest.mark.pcsc


def test_inserted_card_is_read_and_posted_signed(reader, server, state, start_agent, els,
                                                 cert):
    start_agent()
    card = reader.insert(els, cert)

    [message] = server.wait_for_messages(1)

    assert message["outcome"] == "ok"
    assert message["reader_name"] == reader.name
    assert message["atr"] == ATR_T1.hex().upper()
    assert base64.b64decode(message["files"]["els"]) == els
    assert base64.b64decode(message["files"]["cert"]) == cert
    assert (message["failed_step"], message["status_word"]) == (None, None)
    assert message["chip_serial"] == card.behaviour.serial.hex().upper()
    assert message["sequence"] == 1
    assert uuid.UUID(message["message_id"]).version == 4
    sent_at = datetime.fromisoformat(message["sent_at"].replace("Z", "+00:00"))
    assert abs(datetime.now(UTC) - sent_at) < timedelta(seconds=10)
    assert set(message["timings_ms"]) == {"connect", "select", "read", "total"}
    post = server.posts[0]
    public_key = server.devices[post.headers["x-reader-device"]]
    assert verify(public_key, post.body, post.headers["x-reader-signature"])
    _wait_for_queue(state, 0)  # the file goes just after the 201
    # Header first, then chunks that stop exactly at the DER length: nothing past the end.
    assert _read_plan(card.behaviour.apdus, b"\x00\x02") == _expected_plan(len(els))
    assert _read_plan(card.behaviour.apdus, b"\x00\x01") == _expected_plan(len(cert))


def test_t0_card_answers_through_get_response_and_exact_le(reader, server, start_agent, els):
    start_agent()
    card = reader.insert(els, atr=ATR_T0, t0_style=True, max_read=0x80)

    [message] = server.wait_for_messages(1)

    assert message["outcome"] == "ok"
    assert base64.b64decode(message["files"]["els"]) == els
    assert message["files"]["cert"] is None
    instructions = {apdu[1] for apdu in card.behaviour.apdus}
    assert 0xC0 in instructions  # GET RESPONSE after 61xx


def test_card_without_els_application_reports_status_word(reader, server, start_agent):
    start_agent()
    reader.insert(aid_missing=True)

    [message] = server.wait_for_messages(1)

    assert (message["outcome"], message["failed_step"], message["status_word"]) == \
        ("apdu_error", "select_aid", "6A82")
    assert message["atr"] == ATR_T1.hex().upper()
    assert message["files"] == {"els": None, "cert": None}


def test_card_removed_mid_read(reader, server, start_agent):
    start_agent()
    reader.insert(close_at_offset=4 + 0xFF)

    [message] = server.wait_for_messages(1)

    assert (message["outcome"], message["failed_step"]) == ("removed", "read_binary")
    assert message["files"]["els"] is None


def test_card_that_never_answers_times_out_and_agent_keeps_reading(reader, server,
                                                                     start_agent, els):
    start_agent(apdu_timeout=0.5)
    stuck = reader.insert(hang_at_offset=4)

    [message] = server.wait_for_messages(1)
    assert (message["outcome"], message["failed_step"]) == ("timeout", "read_binary")
    assert message["timings_ms"]["total"] >= 500

    reader.remove(stuck)
    reader.insert(els)
    messages = server.wait_for_messages(2)
    assert [m["outcome"] for m in messages] == ["timeout", "ok"]
    assert [m["sequence"] for m in messages] == [1, 2]


def test_agent_recovers_after_pcscd_restart(pcscd, reader, server, start_agent, els):
    start_agent()
    first = reader.insert(els)
    server.wait_for_messages(1)

    pcscd.stop()
    reader.cards.remove(first)  # its vpcd connection died with pcscd
    first.remove()
    pcscd.start()
    reader.insert(els)

    messages = server.wait_for_messages(2, timeout=15)
    assert [m["outcome"] for m in messages] == ["ok", "ok"]
    assert [m["sequence"] for m in messages] == [1, 2]


def test_reads_queued_while_server_down_survive_restart_and_arrive_once_in_order(
        reader, server, state, start_agent, els):
    server.down()
    agent = start_agent()
    first = reader.insert(els)
    _wait_for_queue(state, 1)
    reader.remove(first)
    second = reader.insert(els, aid_missing=True)
    _wait_for_queue(state, 2)
    reader.remove(second)  # a card left in the reader would be read again at start
    agent.stop()  # the workstation reboots with two reads on disk

    server.up()
    start_agent(state)

    messages = server.wait_for_messages(2)
    assert [(m["sequence"], m["outcome"]) for m in messages] == [(1, "ok"), (2, "apdu_error")]
    assert [post.status for post in server.posts] == [201, 201]
    _wait_for_queue(state, 0)


def test_run_command_posts_reads_and_stops_cleanly_on_sigterm(reader, server, state, els):
    agent = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "reader_bridge.agent", "--state-dir", str(state.path), "run"],
        stderr=subprocess.PIPE, text=True)
    try:
        reader.insert(els)
        [message] = server.wait_for_messages(1)
    finally:
        agent.send_signal(signal.SIGTERM)
        _, log = agent.communicate(timeout=15)

    assert message["outcome"] == "ok"
    assert agent.returncode == 0, log
    assert "read 1 delivered (201)" in log


def _read_plan(apdus: list[bytes], file_id: bytes) -> list[tuple[int, int]]:
    """(offset, Le) of each READ BINARY sent while `file_id` was the selected EF."""
    plan, selected = [], None
    for apdu in apdus:
        if apdu[1] == 0xA4 and apdu[2] != 0x04:
            selected = apdu[5:7]
        elif apdu[1] == 0xB0 and selected == file_id:
            plan.append(((apdu[2] << 8) | apdu[3], apdu[4]))
    return plan


def _expected_plan(size: int, chunk: int = 0xFF) -> list[tuple[int, int]]:
    plan = [(0, 4)]
    while (offset := sum(plan[-1])) < size:
        plan.append((offset, min(chunk, size - offset)))
    return plan


def _wait_for_queue(state, count: int, timeout: float = 10.0) -> None:
    """Until exactly `count` reads wait in the queue (the file goes just after the 201)."""
    deadline = time.monotonic() + timeout
    while len(state.outbox.pending()) != count:
        assert time.monotonic() < deadline, f"queue did not reach {count} reads"
        time.sleep(0.01)
