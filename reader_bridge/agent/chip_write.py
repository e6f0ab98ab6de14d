"""Rewriting EF.ELS as a sequence of APDUs, independent of PC/SC (testable with a fake card).

Only the chip the job names is touched, and only when it holds the file the server last
saw (or already the new one: then it is only read back). UPDATE BINARY goes in chunks;
the file is then read back and compared byte for byte. What the server hears is what the
chip holds after the write, never what the agent meant to write.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from reader_bridge.agent.apdu import (
    EF_ELS,
    ReadFailure,
    Transport,
    exchange,
    read_chip_serial,
    read_der_file,
    select_application,
    select_file,
)
from reader_bridge.agent.card_profile import CardProfile

CHUNK_WRITE = 0xF0  # within what every reader takes in one short APDU
MAX_OFFSET = 0x7FFF  # UPDATE BINARY's P1-P2 offset (P1's top bit clear)


@dataclass(frozen=True)
class WriteOrder:
    """What a write_els job asks of the chip."""

    chip_serial: str
    current_sha256: str
    new_file: bytes
    # A torn write is being repaired (the agent began this job's write before, or the
    # server says so): write whatever the chip now holds, as long as it is the same chip.
    resuming: bool = False


@dataclass
class WriteReport:
    outcome: str  # written | failed | refused
    read_back: bytes | None = None
    failed_step: str | None = None
    status_word: str | None = None
    detail: str | None = None
    wrote: bool = False  # an UPDATE BINARY was sent
    timings_ms: dict[str, float] = field(default_factory=dict)


class Refused(Exception):
    def __init__(self, step: str, detail: str) -> None:
        super().__init__(detail)
        self.step = step


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def write_els(transport: Transport, order: WriteOrder, profile: CardProfile,
              on_first_write: Callable[[], None] = lambda: None,
              chunk: int = CHUNK_WRITE) -> WriteReport:
    """Write `order.new_file` to the card behind `transport` and read it back.

    `on_first_write` runs just before the first UPDATE BINARY (the agent's journal).
    """
    started = time.perf_counter()
    report = WriteReport("failed")
    try:
        if _needs_write(transport, order, chunk):
            on_first_write()
            report.wrote = True
            profile.open_for_writing(transport)
            update_binary(transport, order.new_file, min(chunk, CHUNK_WRITE))
        report.timings_ms["write"] = _ms_since(started)
        read_started = time.perf_counter()
        select_file(transport, EF_ELS)
        report.read_back = _read_back(transport, chunk)
        report.timings_ms["read_back"] = _ms_since(read_started)
    except Refused as refusal:
        report.outcome, report.failed_step, report.detail = "refused", refusal.step, str(refusal)
    except ReadFailure as failure:
        report.failed_step, report.status_word = failure.step, failure.status_word
        report.detail = f"{failure.outcome}: {failure}"
    else:
        if report.read_back == order.new_file:
            report.outcome = "written"
        else:
            report.failed_step, report.detail = "read_back", "the chip holds another file " \
                "than the one written"
    report.timings_ms["total"] = _ms_since(started)
    return report


def _needs_write(transport: Transport, order: WriteOrder, chunk: int) -> bool:
    serial = read_chip_serial(transport)
    if serial != order.chip_serial.upper():
        raise Refused("chip_serial", f"the card in the reader is chip {serial or 'unknown'}, "
                      f"the job is for chip {order.chip_serial}")
    select_application(transport)
    select_file(transport, EF_ELS)
    try:
        current = sha256_hex(read_der_file(transport, chunk))
    except ReadFailure as failure:
        if failure.outcome != "apdu_error":  # removed, timeout: nothing known about the chip
            raise
        # A torn write may leave a file that no longer reads to its end.
        if order.resuming:
            return True
        raise Refused("current_file", "EF.ELS does not read to its end (a torn write?); "
                      "the card must be read again") from failure
    if current == sha256_hex(order.new_file):
        return False
    if current != order.current_sha256.lower() and not order.resuming:
        raise Refused("current_file", "the chip holds another file than the server last "
                      "saw; the card must be read again")
    return True


def update_binary(transport: Transport, content: bytes, chunk: int = CHUNK_WRITE) -> None:
    """Write `content` from offset 0 of the selected EF, `chunk` bytes per UPDATE BINARY."""
    if len(content) > MAX_OFFSET:
        raise ReadFailure("apdu_error", "update_binary", detail="file too large for the chip")
    for offset in range(0, len(content), chunk):
        data = content[offset:offset + chunk]
        exchange(transport, bytes([0x00, 0xD6, offset >> 8, offset & 0xFF, len(data)]) + data,
                 "update_binary")


def _read_back(transport: Transport, chunk: int) -> bytes:
    try:
        return read_der_file(transport, chunk)
    except ReadFailure as failure:
        raise ReadFailure(failure.outcome, "read_back", failure.status_word,
                          str(failure)) from failure


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
