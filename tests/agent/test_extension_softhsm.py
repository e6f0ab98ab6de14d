"""The extension with real keys on both sides: the university e-seal in the server's
SoftHSM2 token, or an employee's card at the workstation (a SoftHSM2 token reached by the
agent through the same PKCS#11 path as OpenSC). Real pcscd + vpcd, the live server, the
real agent; only a verified read-back extends the card."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from cards import chip
from cards.chip_testing import shared_test_pki
from cards.models import CardState, KeyLocation
from cards.signing_certificates import certificate_register
from reader_bridge.agent.cli import enrol
from reader_bridge.agent.state import State
from reader_bridge.extension import extension_session_start
from reader_bridge.models import ChipWriteJob, JobKind, JobState, ReaderDevice, TrustedCertificate
from reader_bridge.services import enrolment_code_create, trusted_certificate_add
from tests.factories import EnrolmentFactory, SemesterFactory
from tests.reader_bridge.extension_setup import genuine_file
from tests.reader_bridge.factories import trust

pytestmark = [pytest.mark.pcsc, pytest.mark.softhsm, pytest.mark.django_db(transaction=True)]

PIN = "12345678"


@pytest.fixture
def settled(card):
    trust(shared_test_pki().ca_cert)
    SemesterFactory()
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit)
    return card


def _start(tmp_path, live_server, unit, start_agent, signer=None) -> ReaderDevice:
    state = State(tmp_path / "workstation")
    enrol(state, live_server.url, enrolment_code_create(unit=unit).code, "pc-dziekanat", None,
          force=False)
    state.card_profile.save({"profile": "verify-pin", "key_reference": "81", "pin": PIN})
    start_agent(state, job_wait=2, signer=signer)
    return ReaderDevice.objects.get()


def _extend(reader, device, card, clerk) -> tuple[bytes, bytes]:
    old = genuine_file(card)
    extension_session_start(user=clerk, device_id=device.pk, card=card)
    chip_card = reader.insert(old, serial=bytes.fromhex(card.chip_serial),
                              write_pin=PIN.encode())
    deadline = time.monotonic() + 20
    while card.state != CardState.AWAITING_HOLOGRAM:
        assert time.monotonic() < deadline, list(ChipWriteJob.objects.values("kind", "state",
                                                                              "outcome"))
        time.sleep(0.05)
        card.refresh_from_db()
    return old, chip_card.els


def _pem(certificate) -> bytes:
    return certificate.public_bytes(Encoding.PEM)


@pytest.fixture
def server_eseal(softhsm_tokens, settings):
    """The server signs in the e-seal token; its session is closed afterwards, so later
    tests can log in to the shared token again."""
    from cards import signing

    token = softhsm_tokens.eseal
    settings.ESEAL_PKCS11_MODULE, settings.ESEAL_TOKEN_LABEL = token.key.module, \
        token.key.token_label
    settings.ESEAL_PIN, settings.ESEAL_PIN_FILE = token.pin, ""
    yield token
    signing.forget_signers()


def test_the_server_eseal_in_softhsm_signs_the_file_written_to_the_chip(
        tmp_path, live_server, reader, start_agent, settled, deans_office, server_eseal):
    token = server_eseal
    certificate_register(unit=settled.serving_unit, data=_pem(token.certificate),
                         card_kinds=["ELS", "ELD", "ELN"], key_location=KeyLocation.SERVER_HSM,
                         key_label=token.key.key_label)
    trusted_certificate_add(name="e-seal", usage=TrustedCertificate.Usage.SEAL,
                            data=token.certificate.public_bytes(Encoding.DER))
    device = _start(tmp_path, live_server, settled.serving_unit, start_agent)

    old, on_chip = _extend(reader, device, settled, deans_office)

    els = chip.parse_els_file(on_chip)
    assert els.signer_certificate == token.certificate and on_chip != old
    assert els.data.valid_until == settled.valid_until
    assert not ChipWriteJob.objects.filter(kind=JobKind.SIGN_ELS).exists()


def test_the_employee_card_at_the_workstation_signs_and_its_pin_never_leaves(
        tmp_path, live_server, reader, start_agent, settled, deans_office, softhsm_tokens):
    token = softhsm_tokens.workstation
    certificate_register(unit=settled.serving_unit, data=_pem(token.certificate),
                         card_kinds=["ELS"], key_location=KeyLocation.WORKSTATION)
    with token.signer() as signer:  # logged in at the start, as `run` does
        device = _start(tmp_path, live_server, settled.serving_unit, start_agent,
                        signer=signer)
        old, on_chip = _extend(reader, device, settled, deans_office)

    els = chip.parse_els_file(on_chip)
    assert els.signer_certificate == token.certificate and on_chip != old
    assert ChipWriteJob.objects.filter(kind=JobKind.SIGN_ELS).count() == 1
    assert ChipWriteJob.objects.get(kind=JobKind.WRITE_ELS).state == JobState.VERIFIED
