"""PC/SC for the agent: its own SCardGetStatusChange loop, and one watched read per card.

pyscard's CardMonitor is not used: its thread dies for good when pcscd restarts. Here the
loop re-establishes its context on "service not available" / "transport error", and every
call that can block on the card runs in a worker with a deadline (pcsc-lite has none).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from smartcard import scard

from reader_bridge.agent.apdu import (
    CHUNK_T0,
    CHUNK_T1,
    LinkError,
    ReadFailure,
    Transport,
    read_chip_serial,
    read_els_files,
)
from reader_bridge.agent.backoff import Backoff
from reader_bridge.agent.message import ReadResult

log = logging.getLogger("legitymacje_reader")

PNP_NOTIFICATION = "\\\\?PnP?\\Notification"
SUCCESS = 0
CANCELLED = 0x80100002
TIMED_OUT = 0x8010000A
NO_READERS = 0x8010002E
SERVICE_LOST = {0x8010001D, 0x8010001E, 0x80100013, 0x80100003}  # no service, stopped,
# transport error, invalid handle (a context from before a pcscd restart)
CARD_GONE = {0x8010000C, 0x80100016, 0x80100068, 0x80100069}  # no card, not transacted,
# reset, removed
READER_GONE = {0x80100009, 0x80100017, 0x8010002E}  # unknown reader, unavailable, none left
CARD_MUTE = {0x80100066, 0x80100067}  # unresponsive, unpowered: no ATR


def _code(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


def _outcome_for(hresult: int, *, connecting: bool) -> str:
    code = _code(hresult)
    if code in CARD_GONE:
        return "no_card" if connecting and code == 0x8010000C else "removed"
    if code in CARD_MUTE:
        return "no_atr"
    if code in READER_GONE or code in SERVICE_LOST:
        return "no_reader"
    return "no_reader" if connecting else "apdu_error"


class Hung(Exception):
    """A PC/SC call did not come back before its deadline."""


def call_with_deadline(deadline: float, function: Callable[..., Any], *args: Any) -> Any:
    """Run `function` in a worker thread; raise Hung if it is still running at the deadline.

    The worker is abandoned, not killed (nothing can interrupt a blocked SCardTransmit); it
    finishes when pcscd gives up on the card, e.g. once the card is pulled out.
    """
    outcome: dict[str, Any] = {}
    finished = threading.Event()

    def work() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # handed over to the caller below
            outcome["error"] = error
        finally:
            finished.set()

    threading.Thread(target=work, name="pcsc-call", daemon=True).start()
    if not finished.wait(deadline):
        raise Hung(getattr(function, "__name__", "call"))
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


class CardSession:
    """One read's own context and connection, so a hung card cannot block the status loop."""

    def __init__(self, reader_name: str, apdu_timeout: float) -> None:
        self.reader_name = reader_name
        self.apdu_timeout = apdu_timeout
        self.context: int | None = None
        self.card: int | None = None
        self.protocol = 0
        self.hung = False
        self.in_transaction = False

    def connect(self) -> bytes:
        """Connect in shared mode and return the ATR."""
        try:
            hresult, self.context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            self._check(hresult, "connect", connecting=True)
            hresult, card, protocol = self._watched(
                scard.SCardConnect, self.context, self.reader_name, scard.SCARD_SHARE_SHARED,
                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
            self._check(hresult, "connect", connecting=True)
            # Only a handle from a successful connect: pyscard fails on disconnecting another.
            self.card, self.protocol = card, protocol
            # One session's APDUs must not interleave with another's on the same card (a
            # read's SELECT between a write's SELECT and UPDATE BINARY): hold a transaction.
            self._check(self._watched(scard.SCardBeginTransaction, self.card), "connect",
                        connecting=True)
            self.in_transaction = True
            hresult, _reader, _state, _protocol, atr = self._watched(scard.SCardStatus, self.card)
            self._check(hresult, "connect", connecting=True)
        except Hung as hung:
            raise ReadFailure("timeout", "connect", detail=str(hung)) from hung
        if not atr:
            raise ReadFailure("no_atr", "connect")
        return bytes(atr)

    @property
    def chunk(self) -> int:
        return CHUNK_T0 if self.protocol == scard.SCARD_PROTOCOL_T0 else CHUNK_T1

    def transmit(self, apdu: bytes) -> bytes:
        pci = scard.SCARD_PCI_T0 if self.protocol == scard.SCARD_PROTOCOL_T0 \
            else scard.SCARD_PCI_T1
        try:
            hresult, response = self._watched(scard.SCardTransmit, self.card, pci, list(apdu))
        except Hung as hung:
            raise LinkError("timeout", f"no answer within {self.apdu_timeout} s") from hung
        if _code(hresult) != SUCCESS:
            raise LinkError(_outcome_for(hresult, connecting=False),
                            scard.SCardGetErrorMessage(hresult))
        return bytes(response)

    def close(self) -> None:
        if self.hung:
            # Disconnect/release wait for the blocked transmit: leave that to a thread.
            threading.Thread(target=self._release, name="pcsc-cleanup", daemon=True).start()
        else:
            self._release()

    def _release(self) -> None:
        if self.in_transaction and not self.hung:
            scard.SCardEndTransaction(self.card, scard.SCARD_LEAVE_CARD)
        if self.card is not None:
            scard.SCardDisconnect(self.card, scard.SCARD_RESET_CARD if self.hung
                                  else scard.SCARD_LEAVE_CARD)
        if self.context is not None:
            scard.SCardReleaseContext(self.context)

    def _watched(self, function: Callable[..., Any], *args: Any) -> Any:
        try:
            return call_with_deadline(self.apdu_timeout, function, *args)
        except Hung:
            self.hung = True
            raise

    @staticmethod
    def _check(hresult: int, step: str, *, connecting: bool) -> None:
        if _code(hresult) != SUCCESS:
            raise ReadFailure(_outcome_for(hresult, connecting=connecting), step,
                              detail=scard.SCardGetErrorMessage(hresult))


def read_card(reader_name: str, apdu_timeout: float = 5.0) -> ReadResult:
    """Read the ELS files of the card in `reader_name`; every failure becomes an outcome."""
    taken_at = datetime.now(UTC)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    session = CardSession(reader_name, apdu_timeout)
    atr = None
    try:
        atr = session.connect()
        timings["connect"] = _ms_since(started)
        files = read_els_files(session.transmit, session.chunk)
    except ReadFailure as failure:
        log.debug("read failed: %s", failure)
        timings["total"] = _ms_since(started)
        return ReadResult(reader_name, failure.outcome, failed_step=failure.step,
                          status_word=failure.status_word, atr=atr, timings_ms=timings,
                          taken_at=taken_at)
    finally:
        session.close()
    timings.update(files.timings_ms)
    timings["total"] = _ms_since(started)
    return ReadResult(reader_name, "ok", atr=atr, els=files.els, cert=files.cert,
                      chip_serial=files.chip_serial, timings_ms=timings, taken_at=taken_at)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


@contextmanager
def card_with_serial(chip_serial: str, apdu_timeout: float = 5.0
                     ) -> Iterator[tuple[Transport, int] | None]:
    """A connection to the card whose chip serial is `chip_serial`, in whichever reader."""
    try:
        readers = list_readers()
    except ServiceLost:
        readers = []
    for reader_name in readers:
        session = CardSession(reader_name, apdu_timeout)
        try:
            session.connect()
            found = read_chip_serial(session.transmit) == chip_serial.upper()
        except ReadFailure:  # an empty reader, a mute card: not this one
            found = False
        if not found:
            session.close()
            continue
        try:
            yield session.transmit, session.chunk
        finally:
            session.close()
        return
    yield None


def readers_with_card() -> list[str]:
    """The readers that hold a card now (for a "read it now" job)."""
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if _code(hresult) != SUCCESS:
        return []
    try:
        readers = _readers(context)
        if not readers:
            return []
        _, states = scard.SCardGetStatusChange(context, 0, [(r, 0) for r in readers])
        return [name for name, event, _atr in states or []
                if event & scard.SCARD_STATE_PRESENT and not event & scard.SCARD_STATE_MUTE]
    except ServiceLost:
        return []
    finally:
        scard.SCardReleaseContext(context)


class ServiceLost(Exception):
    pass


class ReaderWatcher:
    """Calls `on_card(reader)` once per card insertion and `on_mute(reader)` for a mute card.

    A card counts as new when a reader turns present or when pcsc-lite's per-reader event
    counter (upper 16 bits of the event state) moved: a remove + insert between two calls.
    """

    def __init__(self, on_card: Callable[[str], None], on_mute: Callable[[str], None],
                 stop: threading.Event, poll_ms: int = 5000) -> None:
        self.on_card = on_card
        self.on_mute = on_mute
        self.stop = stop
        self.poll_ms = poll_ms
        self._context: int | None = None

    def run(self) -> None:
        backoff = Backoff(0.1, 5.0)
        while not self.stop.is_set():
            hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if _code(hresult) != SUCCESS:
                delay = backoff.next_delay()
                if backoff.failures == 1:
                    log.warning("pcscd not available (%s); retrying",
                                scard.SCardGetErrorMessage(hresult))
                self.stop.wait(delay)
                continue
            self._context = context
            try:
                self._watch(context, backoff)
            except ServiceLost as lost:
                log.warning("lost pcscd (%s); reconnecting", lost)
            except Exception:  # never leave the workstation without a status loop
                log.exception("status loop failed; starting it again")
                self.stop.wait(backoff.next_delay())
            finally:
                self._context = None
                scard.SCardReleaseContext(context)

    def cancel(self) -> None:
        """Wake a blocked SCardGetStatusChange (used on shutdown)."""
        if self._context is not None:
            scard.SCardCancel(self._context)

    def _watch(self, context: int, backoff: Backoff) -> None:
        states = {reader: scard.SCARD_STATE_UNAWARE for reader in _readers(context)}
        pnp_state = len(states) << 16
        while not self.stop.is_set():
            request = [(PNP_NOTIFICATION, pnp_state), *states.items()]
            hresult, events = scard.SCardGetStatusChange(context, self.poll_ms, request)
            code = _code(hresult)
            if code in (TIMED_OUT, CANCELLED):
                continue
            if code in SERVICE_LOST:
                raise ServiceLost(scard.SCardGetErrorMessage(hresult))
            if code == 0x80100009:  # a reader left between listing and waiting
                states = self._refresh(context, states)
                continue
            if code != SUCCESS:
                raise ServiceLost(scard.SCardGetErrorMessage(hresult))
            backoff.reset()
            readers_changed = False
            for reader, event, _atr in events:
                if not event & scard.SCARD_STATE_CHANGED:
                    continue
                event &= ~scard.SCARD_STATE_CHANGED
                if reader == PNP_NOTIFICATION:
                    pnp_state, readers_changed = event, True
                    continue
                previous, states[reader] = states[reader], event
                self._dispatch(reader, previous, event)
                readers_changed |= bool(event & (scard.SCARD_STATE_UNKNOWN
                                                 | scard.SCARD_STATE_UNAVAILABLE))
            if readers_changed:
                states = self._refresh(context, states)

    def _dispatch(self, reader: str, previous: int, event: int) -> None:
        present = scard.SCARD_STATE_PRESENT
        inserted = bool(event & present) and (not previous & present
                                              or previous >> 16 != event >> 16)
        if not inserted:
            return
        handler = self.on_mute if event & scard.SCARD_STATE_MUTE else self.on_card
        try:
            handler(reader)
        except Exception:  # one bad read (or a full disk) must not end the status loop
            log.exception("handling the card in %s failed", reader)

    def _refresh(self, context: int, states: dict[str, int]) -> dict[str, int]:
        current = _readers(context)
        for reader in current:
            if reader not in states:
                log.info("reader connected: %s", reader)
        for reader in states:
            if reader not in current:
                log.info("reader disconnected: %s", reader)
        return {reader: states.get(reader, scard.SCARD_STATE_UNAWARE) for reader in current}


def list_readers() -> list[str]:
    """The readers pcscd knows now (for `status`); raises ServiceLost without pcscd."""
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if _code(hresult) != SUCCESS:
        raise ServiceLost(scard.SCardGetErrorMessage(hresult))
    try:
        return _readers(context)
    finally:
        scard.SCardReleaseContext(context)


def _readers(context: int) -> list[str]:
    hresult, readers = scard.SCardListReaders(context, [])
    code = _code(hresult)
    if code == NO_READERS:
        return []
    if code != SUCCESS:
        raise ServiceLost(scard.SCardGetErrorMessage(hresult))
    return list(readers)
