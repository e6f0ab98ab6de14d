"""A reader without hardware for the demo: reads made up from an ELS file, or failures,
and a writable chip that carries out the server's write jobs on that file."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from reader_bridge.agent.apdu import Transport
from reader_bridge.agent.message import ReadResult
from reader_bridge.agent.simulated_card import CardBehaviour, SimulatedCard
from reader_bridge.agent.state import State
from reader_bridge.agent.storage import write_durably

log = logging.getLogger("legitymacje_reader")

SIMULATED_READER = "Simulated reader"
SIMULATED_ATR = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")

# --fail choices: what a real reader reports for each kind of trouble.
FAILURES: dict[str, dict[str, str | None]] = {
    "no_reader": {"outcome": "no_reader", "failed_step": "connect"},
    "no_card": {"outcome": "no_card", "failed_step": "connect"},
    "no_atr": {"outcome": "no_atr", "failed_step": "connect"},
    "not_els": {"outcome": "apdu_error", "failed_step": "select_aid", "status_word": "6A82"},
    "read_error": {"outcome": "apdu_error", "failed_step": "read_binary", "status_word": "6B00"},
    "timeout": {"outcome": "timeout", "failed_step": "read_binary"},
    "removed": {"outcome": "removed", "failed_step": "read_binary"},
}
_BEFORE_ATR = {"no_reader", "no_card", "no_atr"}
_OK_TIMINGS = {"connect": 11.8, "select": 2.4, "read": 38.6, "total": 52.8}


def simulated_read(els: bytes, cert: bytes | None = None, failure: str | None = None,
                   reader_name: str = SIMULATED_READER,
                   chip_serial: str | None = None) -> ReadResult:
    if failure is None:
        return ReadResult(reader_name, "ok", atr=SIMULATED_ATR, els=els, cert=cert,
                          chip_serial=chip_serial, timings_ms=dict(_OK_TIMINGS))
    if failure not in FAILURES:
        raise ValueError(f"unknown failure {failure!r}; choose from {', '.join(FAILURES)}")
    atr = None if failure in _BEFORE_ATR else SIMULATED_ATR
    return ReadResult(reader_name, atr=atr, timings_ms={"total": 5000.0 if failure == "timeout"
                                                         else 12.5},
                      **FAILURES[failure])  # type: ignore[arg-type]


# The simulated chip's write access condition; `card-profile verify-pin` with this PIN
# opens it (the demo's agent state is set up so).
SIMULATED_WRITE_PIN = "12345678"


class WritableChip:
    """The simulated reader's chip for the demo: the EF.ELS file on disk *is* the chip, so
    a write job rewrites the file (and the next `simulate` reads the new one)."""

    def __init__(self, els_file: Path, cert: bytes | None, chip_serial: str) -> None:
        self.els_file = els_file
        self.chip_serial = chip_serial.upper()
        self.card = SimulatedCard(els_file.read_bytes(), cert, CardBehaviour(
            serial=bytes.fromhex(self.chip_serial), write_pin=SIMULATED_WRITE_PIN.encode()))

    @contextmanager
    def find(self, chip_serial: str) -> Iterator[tuple[Transport, int] | None]:
        if chip_serial.upper() != self.chip_serial:
            yield None
            return
        self.card.power_on()
        try:
            yield self.card.transmit, 0xFF
        finally:
            if self.card.els != self.els_file.read_bytes():
                write_durably(self.els_file, self.card.els)


def serve_jobs(state: State, chip: WritableChip, wait: float, insert: Callable[[], None],
               poll: int = 5) -> str | None:
    """The card goes into the simulated reader: carry out the server's jobs on `chip` for up
    to `wait` seconds, delivering each result, until a write is done.

    A card already expected (a `read_els` job is waiting: "read the card in the reader
    now") is read by that job; otherwise `insert` posts the insertion's read. Returns the
    last result's outcome (None: no job came).
    """
    from reader_bridge.agent.delivery import Deliverer
    from reader_bridge.agent.job_runner import JobRunner
    from reader_bridge.agent.jobs import result_path

    inserted = False

    def read_now() -> int:
        nonlocal inserted
        insert()
        inserted = True
        return 1

    results = Deliverer(state, outbox=state.results, path_for=result_path, noun="result",
                        backoff_first=0.5, backoff_max=5.0)
    runner = JobRunner(state, chip.find, read_now=read_now, wait=1)
    outcome = None
    deadline = time.monotonic() + wait
    try:
        while time.monotonic() < deadline and outcome not in ("written", "refused"):
            try:
                envelope = runner.fetch()
            except Exception as error:  # noqa: BLE001 (a demo: say it and try again)
                log.warning("no job poll: %s", error)
                time.sleep(1)
                continue
            runner.wait = poll
            if envelope is None and not inserted:
                read_now()
            elif envelope is not None:
                outcome = runner.handle(envelope) or outcome
                results.deliver_pending()
        while results.deliver_pending() is not None and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        runner.close()
        results.close()
    return outcome
