"""The simulated ELS card behind the vpcd reader driver, for the real PC/SC stack.

The card is vpcd's TCP client: connecting inserts it, closing the socket removes it.
Every message both ways is a 2-byte big-endian length and a payload; a 1-byte payload
from vpcd is a control code (0 off, 1 on, 2 reset, 4 get ATR), a longer one an APDU that
`SimulatedCard` answers.
"""

from __future__ import annotations

import socket
import struct
import threading

from reader_bridge.agent.simulated_card import (  # noqa: F401 (re-exported for the tests)
    ATR_T0,
    ATR_T1,
    CLOSE,
    CardBehaviour,
    SimulatedCard,
)

POWER_ON, RESET = 1, 2


class VirtualElsCard(SimulatedCard):
    def __init__(self, port: int, els: bytes, cert: bytes | None = None,
                 behaviour: CardBehaviour | None = None) -> None:
        super().__init__(els, cert, behaviour)
        self.port = port
        self._sock: socket.socket | None = None
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
                reply = self._answer(message)
                if reply is CLOSE:
                    sock.shutdown(socket.SHUT_RDWR)
                    return
                if reply is not None:
                    sock.sendall(struct.pack(">H", len(reply)) + reply)  # type: ignore[arg-type]
        except OSError:
            return

    def _answer(self, message: bytes) -> bytes | object | None:
        if len(message) != 1:
            return self.respond(message)
        if message[0] in (POWER_ON, RESET):
            self.power_on()  # a new session: the PIN must be verified again
        return self.behaviour.atr if message[0] == 4 else None


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
