"""The extension with the e-seal in a real PKCS#11 token (SoftHSM2): the write job's file
is signed in the HSM and its read-back extends the card; an HSM that cannot sign is
"Błąd przy przedłużaniu", with the case opened."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from cards import chip, signing
from cards.models import CardKind, CardState, KeyLocation
from cards.signing_certificates import certificate_register
from reader_bridge.extension import extension_session_start
from reader_bridge.models import ChipWriteJob, JobKind
from tests.factories import EnrolmentFactory, SemesterFactory
from warranty.models import Case, ExtensionError

from .agent_calls import fetch, opened_job, written
from .factories import trust
from .test_extension_page import insert

pytestmark = [pytest.mark.softhsm, pytest.mark.django_db]


@pytest.fixture
def hsm_card(card, softhsm_tokens, settings, deans_office, device, no_processing):
    from cards.chip_testing import shared_test_pki

    token = softhsm_tokens.eseal
    settings.ESEAL_PKCS11_MODULE = token.key.module
    settings.ESEAL_TOKEN_LABEL = token.key.token_label
    settings.ESEAL_PIN, settings.ESEAL_PIN_FILE = token.pin, ""
    certificate_register(unit=card.serving_unit, card_kinds=CardKind.values,
                         data=token.certificate.public_bytes(serialization.Encoding.PEM),
                         key_location=KeyLocation.SERVER_HSM, key_label=token.key.key_label)
    trust(shared_test_pki().ca_cert)
    SemesterFactory()
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit)
    extension_session_start(user=deans_office, device_id=device.pk, card=card)
    yield card
    signing.forget_signers()


def test_the_hsm_signs_the_new_file_and_its_read_back_extends(client, device, hsm_card,
                                                              softhsm_tokens):
    fetch(client, device)  # read_els
    insert(device, hsm_card)
    job = opened_job(fetch(client, device))

    new = chip.parse_els_file(bytes(ChipWriteJob.objects.get(pk=job["job_id"]).new_file))
    assert new.signer_certificate == softhsm_tokens.eseal.certificate
    answer = written(client, device, job).json()
    assert answer == {"status": "verified"}, ChipWriteJob.objects.get(pk=job["job_id"]).outcome
    hsm_card.refresh_from_db()
    assert (hsm_card.state, hsm_card.valid_until) == (CardState.AWAITING_HOLOGRAM,
                                                      new.data.valid_until)


def test_an_hsm_that_cannot_sign_refuses_with_the_procedures_error(client, device, hsm_card,
                                                                   settings):
    settings.ESEAL_PIN = "0000"

    insert(device, hsm_card)

    assert not ChipWriteJob.objects.filter(kind=JobKind.WRITE_ELS).exists()
    case = Case.objects.get(card=hsm_card)
    assert case.extension_error == ExtensionError.EXTENSION_ERROR
    hsm_card.refresh_from_db()
    assert hsm_card.state == CardState.ACTIVE
