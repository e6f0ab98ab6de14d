"""The ELS read as a sequence of APDUs, independent of PC/SC (testable with a fake card).

A transport is any callable that sends one command APDU and returns the response APDU
(data + SW1 SW2); it raises `LinkError` when the card or reader goes away or hangs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

Transport = Callable[[bytes], bytes]
T = TypeVar("T")

ELS_AID = bytes.fromhex("D6160000300101")
EF_ELS = b"\x00\x02"
EF_CERT = b"\x00\x01"
# A real EF.ELS is about 1 KB. Two files of 16 KiB still fit, base64-encoded, in the
# server's 64 KiB body limit (READ BINARY itself could address 32 KiB).
MAX_FILE_SIZE = 16 * 1024
CHUNK_T1 = 0xFF
CHUNK_T0 = 0xE7  # cautious T=0 readers choke above this
GET_CHIP_SERIAL = bytes.fromhex("FFCA000000")
SW_OK = "9000"
SW_NOT_FOUND = ("6A82", "6A83")


class LinkError(Exception):
    """The exchange itself failed; `outcome` is removed, timeout or no_reader."""

    def __init__(self, outcome: str, detail: str = "") -> None:
        super().__init__(detail or outcome)
        self.outcome = outcome


class ReadFailure(Exception):
    """The read stopped at `step`, with the protocol's outcome and the status word."""

    def __init__(self, outcome: str, step: str, status_word: str | None = None,
                 detail: str = "") -> None:
        super().__init__(detail or f"{outcome} at {step} {status_word or ''}".strip())
        self.outcome = outcome
        self.step = step
        self.status_word = status_word


@dataclass
class ElsFiles:
    els: bytes
    cert: bytes | None
    chip_serial: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)


def exchange(transport: Transport, apdu: bytes, step: str) -> bytes:
    """Send `apdu`, following T=0 `61xx` (GET RESPONSE) and `6Cxx` (resend with Le=xx).

    Returns the data of a 9000 answer; raises `ReadFailure` for anything else.
    """
    response = _send(transport, apdu, step)
    if response[-2] == 0x6C and len(apdu) == 5:  # only a command without data has an Le to fix
        response = _send(transport, apdu[:4] + bytes([response[-1]]), step)
    data = response[:-2]
    for _ in range(64):  # a card that chains 61xx forever must not hold the read
        if response[-2] != 0x61:
            break
        step = "get_response"
        response = _send(transport, bytes([0x00, 0xC0, 0x00, 0x00, response[-1]]), step)
        data += response[:-2]
    status_word = response[-2:].hex().upper()
    if status_word != SW_OK:
        raise ReadFailure("apdu_error", step, status_word)
    return data


def _send(transport: Transport, apdu: bytes, step: str) -> bytes:
    try:
        response = transport(apdu)
    except LinkError as error:
        raise ReadFailure(error.outcome, step, detail=str(error)) from error
    if len(response) < 2:
        # The card went away in the middle of the command (vpcd: socket closed).
        raise ReadFailure("removed", step, detail="card returned no status word")
    return response


def select_application(transport: Transport) -> None:
    exchange(transport, bytes([0x00, 0xA4, 0x04, 0x00, len(ELS_AID)]) + ELS_AID, "select_aid")


def select_file(transport: Transport, file_id: bytes) -> None:
    exchange(transport, b"\x00\xA4\x02\x00\x02" + file_id, "select_ef")


def read_binary(transport: Transport, offset: int, length: int) -> bytes:
    apdu = bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, length])
    return exchange(transport, apdu, "read_binary")


def der_total_length(header: bytes) -> int | None:
    """Total size of a DER SEQUENCE from its first bytes; None if more bytes are needed.

    Raises ValueError when the bytes cannot start a DER SEQUENCE.
    """
    if len(header) < 2:
        return None
    if header[0] != 0x30:
        raise ValueError(f"file does not start with a DER SEQUENCE (tag {header[0]:02X})")
    first = header[1]
    if first < 0x80:
        return 2 + first
    size_bytes = first & 0x7F
    if size_bytes == 0 or size_bytes > 3:
        raise ValueError(f"unsupported DER length form {first:02X}")
    if len(header) < 2 + size_bytes:
        return None
    return 2 + size_bytes + int.from_bytes(header[2:2 + size_bytes], "big")


def read_der_file(transport: Transport, chunk: int = CHUNK_T1) -> bytes:
    """Read the selected EF: the DER header first, then chunks up to exactly its length."""
    content = read_binary(transport, 0, 4)
    while (total := _total_length(content)) is None:
        content += _read_more(transport, len(content), 1)
    if total > MAX_FILE_SIZE:
        raise ReadFailure("apdu_error", "read_binary", detail=f"file claims {total} bytes")
    content = content[:total]
    while len(content) < total:
        content += _read_more(transport, len(content), min(chunk, total - len(content)))
    return content


def _total_length(content: bytes) -> int | None:
    try:
        return der_total_length(content)
    except ValueError as error:
        raise ReadFailure("apdu_error", "read_binary", detail=str(error)) from error


def _read_more(transport: Transport, offset: int, length: int) -> bytes:
    data = read_binary(transport, offset, length)
    if not data:  # a 9000 with no data would otherwise loop forever
        raise ReadFailure("apdu_error", "read_binary", detail=f"no data at offset {offset}")
    return data


def read_els_files(transport: Transport, chunk: int = CHUNK_T1) -> ElsFiles:
    """SELECT the ELS application, read EF.ELS and, if the card has one, the cert EF."""
    timings = {"select": 0.0, "read": 0.0}

    def timed(key: str, action: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return action()
        finally:
            timings[key] += (time.perf_counter() - started) * 1000

    timed("select", lambda: select_application(transport))
    timed("select", lambda: select_file(transport, EF_ELS))
    els = timed("read", lambda: read_der_file(transport, chunk))
    cert = None
    if timed("select", lambda: _select_if_present(transport, EF_CERT)):
        cert = timed("read", lambda: read_der_file(transport, chunk))
    return ElsFiles(els=els, cert=cert, chip_serial=read_chip_serial(transport),
                    timings_ms={key: round(value, 3) for key, value in timings.items()})


def read_chip_serial(transport: Transport) -> str | None:
    """The chip's serial (PC/SC GET DATA, `FF CA 00 00 00`) if the reader can tell it.

    The server compares it with the serial inside the signed EF.ELS. Many contact readers
    cannot answer; that is no failure of the read, the files are complete by now.
    """
    try:
        serial = exchange(transport, GET_CHIP_SERIAL, "get_data")
    except ReadFailure:
        return None
    return serial.hex().upper() or None


def _select_if_present(transport: Transport, file_id: bytes) -> bool:
    try:
        select_file(transport, file_id)
    except ReadFailure as failure:
        if failure.status_word in SW_NOT_FOUND:
            return False
        raise
    return True
