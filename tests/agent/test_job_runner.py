"""The job thread and the result queue against the fake server, with the simulated card
(no PC/SC): each job carried out once, results delivered in order across an outage."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from reader_bridge.agent.delivery import Deliverer
from reader_bridge.agent.job_runner import JobRunner
from reader_bridge.agent.jobs import result_path
from reader_bridge.agent.simulated_card import CardBehaviour, SimulatedCard
from tests.agent.els_blob import els_file

SERIAL = "0478AB12CD3480"
PIN = "12345678"


class Workstation:
    """The job thread and the result delivery thread of one agent, around one card."""

    def __init__(self, state, card: SimulatedCard) -> None:
        self.state, self.card = state, card
        self.stop = threading.Event()
        self.deliverer = Deliverer(state, outbox=state.results, path_for=result_path,
                                   noun="result", backoff_first=0.05, backoff_max=0.2)
        self.runner = JobRunner(state, self._find, on_result=self.deliverer.wake.set, wait=1,
                                backoff_first=0.05, backoff_max=0.2)
        self.threads = [threading.Thread(target=self.runner.run, args=(self.stop,), daemon=True),
                        threading.Thread(target=self.deliverer.run, args=(self.stop,),
                                         daemon=True)]
        for thread in self.threads:
            thread.start()

    @contextmanager
    def _find(self, chip_serial: str) -> Iterator:
        present = self.card.behaviour.serial and self.card.behaviour.serial.hex().upper()
        self.card.power_on()
        yield (self.card.transmit, 0xFF) if present == chip_serial else None

    def close(self) -> None:
        self.stop.set()
        self.deliverer.wake.set()
        for thread in self.threads:
            thread.join(5)
        self.runner.close()
        self.deliverer.close()


@pytest.fixture
def card() -> SimulatedCard:
    return SimulatedCard(els_file(), behaviour=CardBehaviour(write_pin=PIN.encode()))


@pytest.fixture
def workstation(state, card) -> Iterator:
    state.card_profile.save({"profile": "verify-pin", "key_reference": "81", "pin": PIN})
    started = []

    def start() -> Workstation:
        started.append(Workstation(state, card))
        return started[-1]

    yield start
    for one in started:
        one.close()


def _new_file() -> bytes:
    return els_file(signature_size=720).replace(b"20270331", b"20280331")


def test_a_write_job_rewrites_the_chip_and_reports_the_read_back(server, card, workstation):
    workstation()
    old, new = card.els, _new_file()

    job = server.hand_out(server.write_job(SERIAL, old, new))
    result = server.result_for(job)

    assert (result["outcome"], result["chip_serial"]) == ("written", SERIAL)
    assert card.els == new and base64.b64decode(result["read_back"]) == new
    assert result["timings_ms"]["total"] > 0


def test_a_replayed_job_is_not_written_twice_and_gets_its_first_result(server, card,
                                                                       workstation):
    workstation()
    job = server.hand_out(server.write_job(SERIAL, card.els, _new_file()))
    first = server.result_for(job)
    writes = card.behaviour.writes

    server.hand_out(job)  # the same signed job again
    server.wait_for(lambda: len(server.result_posts) == 2)

    assert card.behaviour.writes == writes
    assert server.result_posts[0] == server.result_posts[1]  # the same bytes: one result
    assert first["outcome"] == "written"


def test_a_job_retargeted_at_another_device_is_refused(server, card, workstation):
    workstation()
    old = card.els
    job = server.hand_out(server.write_job(SERIAL, old, _new_file(),
                                           device_id="00000000-0000-4000-8000-000000000000"))

    result = server.result_for(job)

    assert (result["outcome"], result["failed_step"]) == ("refused", "device")
    assert card.els == old and card.behaviour.writes == 0


def test_a_forged_job_is_refused_but_leaves_the_real_one_free(server, card, workstation):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    workstation()
    job = server.write_job(SERIAL, card.els, _new_file())
    server.hand_out(envelope=server.signed(job, key=Ed25519PrivateKey.generate()))
    refused = server.result_for(job)
    server.results.clear()

    server.hand_out(job)  # the genuine job with the same id
    result = server.result_for(job)

    assert (refused["outcome"], refused["failed_step"]) == ("refused", "signature")
    assert result["outcome"] == "written"


def test_results_wait_out_an_outage_and_arrive_in_order_once(server, card, state,
                                                              workstation):
    workstation()
    server.results_failing = 503
    new = _new_file()
    jobs = [server.write_job("04FFFFFFFFFFFF", b"x", b"y") for _ in range(3)]
    jobs.append(server.write_job(SERIAL, card.els, new))
    for job in jobs:
        server.hand_out(job)
    server.wait_for(lambda: len(state.results.pending()) == 4)
    assert card.els == new and server.results == {}

    server.results_failing = None
    server.wait_for(lambda: len(server.results) == 4)

    order = [json.loads(body)["job_id"] for body in server.result_posts]
    assert order == [job["job_id"] for job in jobs]  # each once, in the order done
    assert [json.loads(server.results[job["job_id"]])["outcome"] for job in jobs] == \
        ["failed"] * 3 + ["written"]
    server.wait_for(lambda: not state.results.pending())


def test_without_a_card_profile_write_jobs_are_refused(server, card, state, workstation):
    state.card_profile.path.unlink()
    workstation()

    job = server.hand_out(server.write_job(SERIAL, card.els, _new_file()))
    result = server.result_for(job)

    assert (result["outcome"], result["failed_step"]) == ("refused", "card_profile")
    assert "legitymacje-reader card-profile" in result["detail"]
    assert card.behaviour.writes == 0


def test_a_write_the_agent_never_finished_is_reported_on_restart(server, state, workstation):
    job = server.write_job(SERIAL, b"old", b"new")
    state.journal.begin_write(job["job_id"])  # then the agent was killed

    workstation()
    result = server.result_for(job)

    assert (result["outcome"], result["failed_step"]) == ("failed", "interrupted")
