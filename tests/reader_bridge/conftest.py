import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from cards.chip_testing import shared_test_pki
from reader_bridge.services import processing_flag_clear
from tests.factories import EnrolmentFactory, SemesterFactory, SigningCertificateFactory

from .extension_setup import sign_with_test_key
from .factories import ReaderDeviceFactory, trust


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


@pytest.fixture
def signing(monkeypatch):
    """Server signing with the test PKI's ELS signer instead of the HSM (fast); the
    SoftHSM2 path has its own tests (`softhsm`)."""
    monkeypatch.setattr("reader_bridge.extension.eseal_sign", sign_with_test_key)


@pytest.fixture
def extendable(card, signing):
    """A settled student, a current semester, a registered and trusted signer."""
    trust(shared_test_pki().ca_cert)
    SemesterFactory()
    _key, cert = shared_test_pki().signer("ELS")
    SigningCertificateFactory(unit=card.serving_unit,
                              certificate_pem=cert.public_bytes(Encoding.PEM).decode())
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit)
    return card
