"""Delivery from the on-disk queue to the (fake) server: order, retries, exactly once."""

from __future__ import annotations

import json

import pytest

from reader_bridge.agent.delivery import Deliverer
from reader_bridge.agent.message import ReadResult
from reader_bridge.agent.runner import record


@pytest.fixture
def deliverer(state):
    sender = Deliverer(state, backoff_first=0.01, backoff_max=0.05)
    yield sender
    sender.close()


def _queue_reads(state, count: int) -> None:
    for number in range(count):
        record(state, ReadResult(f"Reader {number}", "ok", els=b"\x30\x00"))


def test_reads_are_delivered_in_sequence_order_and_leave_the_queue(state, server, deliverer):
    _queue_reads(state, 3)

    assert deliverer.deliver_pending() is None

    assert [m["sequence"] for m in server.messages()] == [1, 2, 3]
    assert state.outbox.pending() == []
    assert state.last_delivery()["result"] == "delivered (201)"


def test_unreachable_server_keeps_reads_queued_then_delivers_them_once(state, server,
                                                                      deliverer):
    _queue_reads(state, 2)
    server.down()

    assert deliverer.deliver_pending() > 0
    assert deliverer.deliver_pending() > 0
    assert len(state.outbox.pending()) == 2

    server.up()
    assert deliverer.deliver_pending() is None
    assert [m["sequence"] for m in server.messages()] == [1, 2]
    assert [post.status for post in server.posts] == [201, 201]


def test_server_error_is_retried_with_the_same_bytes_and_stored_once(state, server,
                                                                     deliverer):
    _queue_reads(state, 2)
    server.failing = 503

    assert deliverer.deliver_pending() > 0
    server.failing = None
    assert deliverer.deliver_pending() is None

    first_attempt, *later = server.posts
    assert first_attempt.status == 503
    assert later[0].body == first_attempt.body  # same message_id, same signature input
    assert [post.status for post in later] == [201, 201]
    assert len(server.messages()) == 2


@pytest.mark.parametrize("status", [408, 429, 500])
def test_retryable_answers_keep_the_read(state, server, deliverer, status):
    _queue_reads(state, 1)
    server.failing = status

    assert deliverer.deliver_pending() > 0

    assert len(state.outbox.pending()) == 1
    assert state.outbox.rejected() == []


def test_reads_wait_while_the_server_wants_https_then_go(state, server, deliverer):
    """The URL or the proxy is wrong, not the read: nothing is rejected meanwhile."""
    _queue_reads(state, 2)
    server.https_only = True

    assert deliverer.deliver_pending() > 0
    assert (len(state.outbox.pending()), state.outbox.rejected()) == (2, [])

    server.https_only = False
    assert deliverer.deliver_pending() is None
    assert [m["sequence"] for m in server.messages()] == [1, 2]


def test_refused_read_moves_to_rejected_and_the_next_one_goes(state, server, deliverer):
    _queue_reads(state, 2)
    server.reject_with = 400
    assert deliverer.deliver_pending() is None
    assert state.outbox.rejected() == [1, 2]

    server.reject_with = None
    _queue_reads(state, 1)
    assert deliverer.deliver_pending() is None

    assert [m["sequence"] for m in server.messages()] == [3]


def test_read_the_server_already_has_is_taken_as_delivered(state, server, deliverer):
    """The 201 got lost on the way back: the retry gets a 200 and the file goes."""
    _queue_reads(state, 1)
    body = state.outbox.pending()[0].body()
    server.stored[json.loads(body)["message_id"]] = body

    assert deliverer.deliver_pending() is None

    assert [post.status for post in server.posts] == [200]
    assert state.outbox.pending() == []


def test_reads_of_an_unknown_device_are_refused_not_retried_forever(state, server, deliverer):
    server.devices.clear()
    _queue_reads(state, 1)

    deliverer.deliver_pending()

    assert state.outbox.rejected() == [1]
    assert server.posts[0].status == 403
