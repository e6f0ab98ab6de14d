"""Results and reads racing each other on PostgreSQL: one write, one extension."""

from __future__ import annotations

import base64
import json

import pytest

from django.test import Client

from cards.models import CardState
from reader_bridge.extension import extension_session_start
from reader_bridge.models import ChipWriteJob, JobKind, JobState
from tests.concurrency import at_once

from .agent_calls import fetch, opened_job, post_result, result_body
from .test_extension_page import insert

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def write_job(device, extendable, deans_office, no_processing) -> dict:
    extension_session_start(user=deans_office, device_id=device.pk, card=extendable)
    client = Client()
    fetch(client, device)  # read_els
    insert(device, extendable)
    return opened_job(fetch(client, device))


def _post_at_once(device, job, bodies) -> list[tuple[int, dict]]:
    def post(body):
        response = post_result(Client(), device, job["job_id"], body)
        return response.status_code, response.json()

    return at_once([lambda b=b: post(b) for b in bodies])


@pytest.mark.parametrize("rounds", range(2))
def test_the_same_result_delivered_four_times_at_once_extends_once(
        device, extendable, write_job, rounds):
    body = result_body(write_job, "written", read_back=base64.b64decode(write_job["file"]))

    answers = _post_at_once(device, write_job, [body] * 4)

    assert sorted(a["status"] for _code, a in answers) == [
        "already_received", "already_received", "already_received", "verified"]
    extendable.refresh_from_db()
    assert extendable.state == CardState.AWAITING_HOLOGRAM
    assert extendable.events.filter(action="extend").count() == 1


def test_two_different_results_at_once_one_wins(device, extendable, write_job):
    good = result_body(write_job, "written", read_back=base64.b64decode(write_job["file"]))
    failed = result_body(write_job, "failed", failed_step="update_binary")

    answers = _post_at_once(device, write_job, [good, failed])

    codes = sorted(code for code, _answer in answers)
    assert codes == [200, 409]
    winner = next(a for code, a in answers if code == 200)
    extendable.refresh_from_db()
    job = ChipWriteJob.objects.get(pk=write_job["job_id"])
    if winner["status"] == "verified":
        assert (job.state, extendable.state) == (JobState.VERIFIED, CardState.AWAITING_HOLOGRAM)
    else:
        assert (job.state, extendable.state) == (JobState.FAILED, CardState.ACTIVE)
    assert json.loads(json.dumps(winner))  # an answer, not an error page


def test_two_reads_of_one_card_at_once_start_one_write(device, extendable, deans_office,
                                                      no_processing):
    extension_session_start(user=deans_office, device_id=device.pk, card=extendable)

    at_once([lambda: insert(device, extendable), lambda: insert(device, extendable)])

    assert ChipWriteJob.objects.filter(kind=JobKind.WRITE_ELS).count() == 1
