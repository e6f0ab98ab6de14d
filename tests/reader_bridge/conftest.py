import pytest

from reader_bridge.services import processing_flag_clear

from .factories import ReaderDeviceFactory


@pytest.fixture(autouse=True)
def _clear_processing_flag():
    """The processing-scheduled flag is shared state: no test inherits another's."""
    processing_flag_clear()
    yield
    processing_flag_clear()


@pytest.fixture
def device(unit):
    return ReaderDeviceFactory(unit=unit)


@pytest.fixture
def no_processing(monkeypatch):
    """Keep reads pending, as when no worker runs: record each scheduling instead."""
    sent = []
    monkeypatch.setattr("reader_bridge.services.enqueue_processing", lambda: sent.append(1))
    return sent
