"""Message bodies, their signatures and the on-disk queue."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime

import pytest

from reader_bridge.agent.message import ReadResult, encode_read
from reader_bridge.agent.outbox import Outbox
from reader_bridge.agent.signing import create_key, load_key, public_key_pem, sign, verify


def _result(**fields) -> ReadResult:
    return ReadResult("Reader 1", **{"outcome": "ok", "atr": b"\x3b\x8f", "els": b"\x30\x00",
                                     **fields})


def test_body_follows_the_protocol_and_carries_the_read_time():
    taken_at = datetime(2026, 11, 25, 10, 15, 0, 123456, tzinfo=UTC)
    body = encode_read(_result(taken_at=taken_at, timings_ms={"total": 5.0}), 17, "m-1")

    message = json.loads(body)

    assert message == {
        "message_id": "m-1", "sent_at": "2026-11-25T10:15:00.123Z", "sequence": 17,
        "agent_version": "1.0.0", "reader_name": "Reader 1", "outcome": "ok",
        "failed_step": None, "status_word": None, "atr": "3B8F",
        "files": {"els": base64.b64encode(b"\x30\x00").decode(), "cert": None},
        "chip_serial": None,
        "timings_ms": {"total": 5.0},
    }


def test_each_read_gets_its_own_message_id():
    first, second = (json.loads(encode_read(_result(), n))["message_id"] for n in (1, 2))
    assert first != second


def test_unknown_outcome_is_refused():
    with pytest.raises(ValueError, match="unknown outcome"):
        ReadResult("Reader 1", "broken")


def test_signature_covers_the_exact_body_bytes(tmp_path):
    key = create_key(tmp_path / "key.pem")
    body = encode_read(_result(), 1)
    signature = sign(key, body)

    assert verify(public_key_pem(key), body, signature)
    assert not verify(public_key_pem(key), body.replace(b'"ok"', b'"no"'), signature)
    assert not verify(public_key_pem(key), body + b" ", signature)
    other = create_key(tmp_path / "other.pem")
    assert not verify(public_key_pem(other), body, signature)


def test_private_key_is_owner_only_and_refused_when_it_is_not(tmp_path):
    path = tmp_path / "key.pem"
    key = create_key(path)

    assert os.stat(path).st_mode & 0o777 == 0o600
    assert public_key_pem(load_key(path)) == public_key_pem(key)
    os.chmod(path, 0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        load_key(path)


def test_queue_keeps_sequence_order_across_restarts_and_never_reuses_a_number(tmp_path):
    outbox = Outbox(tmp_path)
    for _ in range(11):
        outbox.add(lambda number: f'{{"n": {number}}}'.encode())
    first = outbox.pending()[0]
    outbox.delivered(first)

    reopened = Outbox(tmp_path)  # the agent restarted
    reopened.add(lambda number: f'{{"n": {number}}}'.encode())

    assert [item.sequence for item in reopened.pending()] == list(range(2, 13))
    assert [json.loads(item.body())["n"] for item in reopened.pending()] == list(range(2, 13))
    assert not list(tmp_path.glob("**/*.tmp"))


def test_numbering_continues_after_the_queue_emptied(tmp_path):
    outbox = Outbox(tmp_path)
    outbox.add(lambda number: b"{}")
    outbox.delivered(outbox.pending()[0])

    assert Outbox(tmp_path).add(lambda number: b"{}") == 2


def test_rejected_read_moves_aside_with_the_server_answer(tmp_path):
    outbox = Outbox(tmp_path)
    outbox.add(lambda number: b'{"a": 1}')
    outbox.add(lambda number: b'{"a": 2}')

    outbox.reject(outbox.pending()[0], 400, '{"code": "invalid"}')

    assert [item.sequence for item in outbox.pending()] == [2]
    assert outbox.rejected() == [1]
    reason = json.loads((outbox.rejected_dir / "000000000001.reason.json").read_text())
    assert reason == {"sequence": 1, "status": 400, "answer": '{"code": "invalid"}'}
    assert Outbox(tmp_path).add(lambda number: b"{}") == 3
