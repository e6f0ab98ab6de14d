"""Fixtures for the agent: a private pcscd, a reader slot for virtual cards, a fake server.

PCSCLITE_CSOCK_NAME is set at import, before any PC/SC call of this process: libpcsclite
reads it once and caches it, so the whole session talks to the private pcscd only.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader_bridge.agent.cli import enrol
from reader_bridge.agent.state import State
from tests.agent.els_blob import certificate_file, els_file
from tests.agent.fake_server import ENROL_CODE, FakeServer
from tests.agent.pcscd import PrivatePcscd
from tests.agent.virtual_card import CardBehaviour, VirtualElsCard

PCSCD_SOCKET = os.path.join(tempfile.gettempdir(), f"agent-pcscd-{os.getpid()}.comm")
os.environ["PCSCLITE_CSOCK_NAME"] = PCSCD_SOCKET


@pytest.fixture(scope="session")
def pcscd() -> Iterator[PrivatePcscd]:
    daemon = PrivatePcscd(PCSCD_SOCKET)
    daemon.start()
    yield daemon
    gc.collect()  # pyscard objects collected after pcscd is gone print noise
    daemon.stop()
    shutil.rmtree(daemon.dir, ignore_errors=True)


class ReaderSlot:
    """The first vpcd reader: insert virtual cards, wait until pcscd has seen the change."""

    def __init__(self, daemon: PrivatePcscd) -> None:
        self.daemon = daemon
        self.name = daemon.reader_name
        self.cards: list[VirtualElsCard] = []

    def insert(self, els: bytes | None = None, cert: bytes | None = None,
               **behaviour: object) -> VirtualElsCard:
        card = VirtualElsCard(self.daemon.port, els or els_file(), cert,
                              CardBehaviour(**behaviour))  # type: ignore[arg-type]
        card.insert()
        self.cards.append(card)
        return card

    def remove(self, card: VirtualElsCard) -> None:
        card.remove()
        self.cards.remove(card)
        self.wait_until_empty()

    def wait_until_empty(self, timeout: float = 5.0) -> None:
        # pcscd polls every 400 ms; a new card inserted before it saw the removal would be
        # invisible (same state, same event counter).
        from smartcard import scard

        _, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                _, states = scard.SCardGetStatusChange(context, 0, [(self.name, 0)])
                if states and states[0][1] & scard.SCARD_STATE_EMPTY:
                    return
                time.sleep(0.02)
            raise AssertionError(f"{self.name} still reports a card")
        finally:
            scard.SCardReleaseContext(context)


@pytest.fixture
def reader(pcscd: PrivatePcscd) -> Iterator[ReaderSlot]:
    slot = ReaderSlot(pcscd)
    yield slot
    for card in list(slot.cards):
        card.remove()
    if pcscd.process is not None:
        slot.wait_until_empty()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    yield fake
    fake.down()


@pytest.fixture
def state(tmp_path: Path, server: FakeServer) -> State:
    agent_state = State(tmp_path / "state")
    enrol(agent_state, server.url, ENROL_CODE, "test-workstation", None, force=False)
    return agent_state


@pytest.fixture
def start_agent(state: State) -> Iterator:
    from reader_bridge.agent.runner import Agent

    agents = []

    def start(agent_state: State = state, **options: object) -> Agent:
        settings = {"apdu_timeout": 1.0, "backoff_first": 0.05, "backoff_max": 0.3,
                    "poll_ms": 500, **options}
        agent = Agent(agent_state, **settings)  # type: ignore[arg-type]
        agent.start()
        agents.append(agent)
        return agent

    yield start
    for agent in agents:
        agent.stop()


@pytest.fixture
def els() -> bytes:
    return els_file()


@pytest.fixture
def cert() -> bytes:
    return certificate_file()
