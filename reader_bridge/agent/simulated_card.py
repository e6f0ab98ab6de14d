"""An ELS card in Python: the APDUs the agent sends, answered as a chip would.

The demo's simulated reader writes through it, and the tests put it behind vpcd
(`tests/agent/virtual_card.py`). It knows SELECT, READ BINARY, GET DATA (chip serial),
VERIFY and UPDATE BINARY, with one write access condition: UPDATE BINARY of EF.ELS answers
`69 82` (security status not satisfied) until a VERIFY with the right key reference and
PIN in this connection (`write_pin=None`: no condition).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from reader_bridge.agent.apdu import LinkError

ELS_AID = bytes.fromhex("D6160000300101")
EF_ELS = b"\x00\x02"
ATR_T1 = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")
ATR_T0 = bytes.fromhex("3B6800000073C84000009000")
SW_OK = b"\x90\x00"
SW_SECURITY_NOT_SATISFIED = b"\x69\x82"
FILE_CAPACITY = 4096  # bytes allocated to EF.ELS: a new file may be longer, not unbounded

CLOSE = object()  # a reply meaning: the card hangs up (pulled out) instead of answering


@dataclass
class CardBehaviour:
    """What the card does; the defaults are a healthy ELS card whose writes need no PIN."""

    atr: bytes = ATR_T1
    t0_style: bool = False           # answer 61xx (GET RESPONSE) and 6Cxx (wrong Le) like T=0
    aid_missing: bool = False        # SELECT AID -> 6A82 (not an ELS card)
    hang_at_offset: int | None = None    # READ BINARY at this offset is never answered
    close_at_offset: int | None = None   # READ BINARY at this offset closes the connection
    max_read: int = 0xFF
    serial: bytes | None = bytes.fromhex("0478AB12CD3480")  # GET DATA UID; None: 6E00
    write_key_reference: int = 0x81
    write_pin: bytes | None = None   # VERIFY data that opens UPDATE BINARY; None: always open
    tear_at_write: int | None = None  # the n-th UPDATE BINARY (from 1) writes half, then CLOSE
    hang_after_write: bool = False   # once written, READ BINARY is never answered
    apdus: list[bytes] = field(default_factory=list)  # every command APDU received

    @property
    def writes(self) -> int:
        return sum(1 for apdu in self.apdus if apdu[1] == 0xD6)


class SimulatedCard:
    """The chip's files and its answers; `respond` takes one command APDU."""

    def __init__(self, els: bytes, cert: bytes | None = None,
                 behaviour: CardBehaviour | None = None) -> None:
        self.files: dict[bytes, bytearray] = {EF_ELS: bytearray(els)}
        if cert is not None:
            self.files[b"\x00\x01"] = bytearray(cert)
        self.behaviour = behaviour or CardBehaviour()
        self.power_on()

    @property
    def els(self) -> bytes:
        return bytes(self.files[EF_ELS])

    def power_on(self) -> None:
        """A new connection: nothing selected, no PIN verified."""
        self._selected: bytes | None = None
        self._app_selected = False
        self._verified = False
        self._pending = b""  # data waiting for GET RESPONSE

    def transmit(self, apdu: bytes) -> bytes:
        """The card as the agent's transport (what pcsc.CardSession.transmit is for a reader)."""
        reply = self.respond(apdu)
        if reply is None:
            raise LinkError("timeout", "no answer")
        if reply is CLOSE:
            raise LinkError("removed", "the card left the reader")
        return reply  # type: ignore[return-value]

    def respond(self, apdu: bytes) -> bytes | object | None:
        """The response APDU, None (never answers) or CLOSE (hangs up)."""
        self.behaviour.apdus.append(apdu)
        ins, p1, p2 = apdu[1], apdu[2], apdu[3]
        if apdu[0] == 0xFF and ins == 0xCA:
            return self.behaviour.serial + SW_OK if self.behaviour.serial else b"\x6E\x00"
        if ins == 0xA4:
            return self._select(p1, apdu[5:5 + apdu[4]])
        if ins == 0xB0:
            return self._read_binary((p1 << 8) | p2, apdu[4] if len(apdu) > 4 else 256)
        if ins == 0xC0:
            data, self._pending = self._pending[:apdu[4]], self._pending[apdu[4]:]
            return data + (bytes([0x61, min(len(self._pending), 0xFF)]) if self._pending
                           else SW_OK)
        if ins == 0x20:
            return self._verify(p2, apdu[5:5 + apdu[4]] if len(apdu) > 5 else b"")
        if ins == 0xD6:
            return self._update_binary((p1 << 8) | p2, apdu[5:5 + apdu[4]])
        return b"\x6D\x00"

    def _select(self, p1: int, target: bytes) -> bytes:
        if p1 == 0x04:
            if self.behaviour.aid_missing or target != ELS_AID:
                return b"\x6A\x82"
            self._app_selected = True
            fci = b"\x6F\x09\x84\x07" + ELS_AID
        elif self._app_selected and target in self.files:
            self._selected = target
            fci = b"\x62\x04\x80\x02" + struct.pack(">H", len(self.files[target]))
        else:
            return b"\x6A\x82"
        if self.behaviour.t0_style:
            self._pending = fci
            return bytes([0x61, len(fci)])
        return SW_OK

    def _read_binary(self, offset: int, le: int) -> bytes | object | None:
        if self._selected is None:
            return b"\x69\x86"
        if offset == self.behaviour.hang_at_offset or (self.behaviour.hang_after_write
                                                        and self.behaviour.writes):
            return None
        if offset == self.behaviour.close_at_offset:
            return CLOSE
        content = self.files[self._selected]
        if offset >= len(content):
            return b"\x6B\x00"
        available = min(len(content) - offset, self.behaviour.max_read)
        if self.behaviour.t0_style and le > available:
            return bytes([0x6C, available])  # T=0 style: "wrong Le, use this one"
        return bytes(content[offset:offset + le]) + SW_OK

    def _verify(self, key_reference: int, pin: bytes) -> bytes:
        expected = self.behaviour.write_pin
        if key_reference != self.behaviour.write_key_reference or expected is None:
            return b"\x6A\x88"  # referenced data not found
        if pin != expected:
            self._verified = False
            return b"\x63\xC2"  # wrong PIN, two tries left
        self._verified = True
        return SW_OK

    def _update_binary(self, offset: int, data: bytes) -> bytes | object:
        if self._selected != EF_ELS:
            return b"\x69\x86"  # command not allowed: no (writable) EF selected
        if self.behaviour.write_pin is not None and not self._verified:
            return SW_SECURITY_NOT_SATISFIED
        if offset + len(data) > FILE_CAPACITY:
            return b"\x6B\x00"
        content = self.files[EF_ELS]
        torn = self.behaviour.writes == self.behaviour.tear_at_write
        if torn:
            data = data[:len(data) // 2]
        if offset > len(content):
            content.extend(bytes(offset - len(content)))
        content[offset:offset + len(data)] = data
        return CLOSE if torn else SW_OK
