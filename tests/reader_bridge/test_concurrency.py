"""The same read delivered twice at the same moment (agent retry racing the first try)."""

from __future__ import annotations

import pytest

from reader_bridge.errors import IngestRejected
from reader_bridge.models import CardRead
from reader_bridge.services import read_ingest
from tests.concurrency import at_once

from .factories import read_body, signed_headers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _deliver_at_once(device, bodies):
    """Post every body from its own thread and connection, released together."""
    def deliver(body):
        signature = signed_headers(device, body)["HTTP_X_READER_SIGNATURE"]
        return read_ingest(device_id=str(device.pk), signature=signature, body=body)[1]

    outcomes = at_once([lambda b=b: deliver(b) for b in bodies], expected=(IngestRejected,))
    return [o.code if isinstance(o, IngestRejected) else o for o in outcomes]


@pytest.mark.parametrize("rounds", range(3))
def test_simultaneous_retries_store_the_read_once(device, no_processing, rounds):
    body = read_body()

    outcomes = _deliver_at_once(device, [body] * 4)

    assert sorted(outcomes) == [False, False, False, True]
    assert CardRead.objects.count() == 1


def test_simultaneous_different_bodies_with_one_message_id(device, no_processing):
    first, second = read_body(message_id="7f1c7c1e-0000-4000-8000-000000000001", sequence=1), \
        read_body(message_id="7f1c7c1e-0000-4000-8000-000000000001", sequence=2)

    outcomes = _deliver_at_once(device, [first, second])

    assert sorted(outcomes, key=str) == [True, "replay"]
    assert CardRead.objects.count() == 1
