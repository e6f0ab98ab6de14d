"""A virtual ELS card for the vpcd reader driver, in standard-library Python.

The card is vpcd's TCP client: connecting inserts it, closing the socket removes it.
Every message both ways is a 2-byte big-endian length and a payload; a 1-byte payload
from vpcd is a control code (0 off, 1 on, 2 reset, 4 get ATR), a longer one an APDU.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field

ELS_AID = bytes.fromhex("D6160000300101")
ATR_T1 = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")
ATR_T0 = bytes.fromhex("3B6800000073C84000009000")
SW_OK = b"\x90\x00"


@dataclass
class CardBehaviour:
    """What the card does; the defaults are a healthy ELS card."""

    atr: bytes = ATR_T1
    t0_style: bool = False           # answer 61xx (GET RESPONSE) and 6Cxx (wrong Le) like T=0
    aid_missing: bool = False        # SELECT AID -> 6A82 (not an ELS card)
    hang_at_offset: int | None = None    # READ BINARY at this offset is never answered
    close_at_offset: int | None = None   # READ BINARY at this offset closes the connection
    max_read: int = 0xFF
    serial: bytes | None = bytes.fromhex("0478AB12CD3480")  # GET DATA UID; None: 6E00
    apdus: list[bytes] = field(default_factory=list)  # every command APDU received


class VirtualElsCard:
    def __init__(self, port: int, els: bytes, cert: bytes | None = None,
                 behaviour: CardBehaviour | None = None) -> None:
        self.port = port
        self.files = {b"\x00\x02": els}
        if cert is not None:
            self.files[b"\x00\x01"] = cert
        self.behaviour = behaviour or CardBehaviour()
        self._sock: socket.socket | None = None
        self._selected: bytes | None = None
        self._app_selected = False
        self._pending = b""          # data waiting for GET RESPONSE
        self._thread: threading.Thread | None = None

    def insert(self) -> None:
        self._sock = socket.create_connection(("127.0.0.1", self.port))
        self._thread = threading.Thread(target=self._serve, args=(self._sock,), daemon=True)
        self._thread.start()

    def remove(self) -> None:
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
            self._sock = None
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _serve(self, sock: socket.socket) -> None:
        try:
            while (message := _receive(sock)) is not None:
                reply = self.respond(message)
                if reply is CLOSE:
                    sock.shutdown(socket.SHUT_RDWR)
                    return
                if reply is not None:
                    sock.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError:
            return

    def respond(self, message: bytes) -> bytes | object | None:
        """The reply to one vpcd message: bytes, None (no reply) or CLOSE (hang up)."""
        if len(message) == 1:
            return self.behaviour.atr if message[0] == 4 else None
        self.behaviour.apdus.append(message)
        ins, p1, p2 = message[1], message[2], message[3]
        if message[0] == 0xFF and ins == 0xCA:
            return self.behaviour.serial + SW_OK if self.behaviour.serial else b"\x6E\x00"
        if ins == 0xA4:
            return self._select(p1, message[5:5 + message[4]])
        if ins == 0xB0:
            return self._read_binary((p1 << 8) | p2, message[4] if len(message) > 4 else 256)
        if ins == 0xC0:
            data, self._pending = self._pending[:message[4]], self._pending[message[4]:]
            return data + (bytes([0x61, min(len(self._pending), 0xFF)]) if self._pending
                           else SW_OK)
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
        if offset == self.behaviour.hang_at_offset:
            return None
        if offset == self.behaviour.close_at_offset:
            return CLOSE
        content = self.files[self._selected]
        if offset >= len(content):
            return b"\x6B\x00"
        available = min(len(content) - offset, self.behaviour.max_read)
        if self.behaviour.t0_style and le > available:
            return bytes([0x6C, available])  # T=0 style: "wrong Le, use this one"
        return content[offset:offset + le] + SW_OK


CLOSE = object()


def _receive(sock: socket.socket) -> bytes | None:
    header = _receive_exactly(sock, 2)
    return None if header is None else _receive_exactly(sock, struct.unpack(">H", header)[0])


def _receive_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        # vpcd sends length and payload separately without TCP_NODELAY: without a quick
        # ACK every APDU waits ~44 ms for the delayed ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data
