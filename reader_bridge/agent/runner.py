"""The running agent: the PC/SC status loop reads cards, the delivery thread posts them,
the job thread carries out what the server asks (chip writes) and queues the results,
which a second delivery thread posts."""

from __future__ import annotations

import logging
import threading
from functools import partial
from typing import Any

from reader_bridge.agent.delivery import Deliverer
from reader_bridge.agent.job_runner import JobRunner
from reader_bridge.agent.jobs import result_path
from reader_bridge.agent.message import ReadResult, encode_read
from reader_bridge.agent.state import State

log = logging.getLogger("legitymacje_reader")


def record(state: State, result: ReadResult) -> int:
    """Queue a read durably (before any network attempt); returns its sequence number."""
    sequence = state.outbox.add(lambda number: encode_read(result, number))
    log.info("read %d %s %s", sequence, result.summary(), result.timings_ms)
    return sequence


class Agent:
    def __init__(self, state: State, *, apdu_timeout: float = 5.0, backoff_first: float = 1.0,
                 backoff_max: float = 60.0, poll_ms: int = 5000, job_wait: int = 20,
                 signer: Any = None) -> None:
        # pyscard is imported here, not at module level: enrol/simulate/status run without it.
        from reader_bridge.agent.pcsc import ReaderWatcher, card_with_serial

        self.state = state
        self.apdu_timeout = apdu_timeout
        self.stopping = threading.Event()
        backoff = {"backoff_first": backoff_first, "backoff_max": backoff_max}
        self.deliverer = Deliverer(state, **backoff)
        self.result_deliverer = Deliverer(state, outbox=state.results, path_for=result_path,
                                          noun="result", **backoff)
        self.watcher = ReaderWatcher(self._read, self._mute, self.stopping, poll_ms=poll_ms)
        self.jobs = JobRunner(state, partial(card_with_serial, apdu_timeout=apdu_timeout),
                              on_result=self.result_deliverer.wake.set, signer=signer,
                              read_now=self._read_all, wait=job_wait, **backoff)
        self._threads = [
            threading.Thread(target=self.watcher.run, name="pcsc-status", daemon=True),
            threading.Thread(target=self.deliverer.run, args=(self.stopping,), name="delivery",
                             daemon=True),
            threading.Thread(target=self.jobs.run, args=(self.stopping,), name="jobs",
                             daemon=True),
            threading.Thread(target=self.result_deliverer.run, args=(self.stopping,),
                             name="result-delivery", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.deliverer.wake.set()
        self.result_deliverer.wake.set()
        self.watcher.cancel()
        self.jobs.close()  # ends a long poll under way
        for thread in self._threads:
            thread.join(timeout)
        self.deliverer.close()
        self.result_deliverer.close()

    def _read(self, reader: str) -> None:
        from reader_bridge.agent.pcsc import read_card

        self._queue(read_card(reader, self.apdu_timeout))

    def _read_all(self) -> int:
        from reader_bridge.agent.pcsc import readers_with_card

        readers = readers_with_card()
        for reader in readers:
            self._read(reader)
        return len(readers)

    def _mute(self, reader: str) -> None:
        self._queue(ReadResult(reader, "no_atr", failed_step="connect"))

    def _queue(self, result: ReadResult) -> None:
        record(self.state, result)
        self.deliverer.wake.set()
