"""The signing-certificate registry, the rule that picks a card's certificate, and the
e-seal signing in the server's HSM (SoftHSM2)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization

from django.urls import reverse
from django.utils import timezone

from cards import chip, rules, signing
from cards.chip_signing import SigningError, renew_els_content
from cards.chip_testing import (
    SIGNER_COMMON_NAMES,
    ElsFields,
    build_els_content,
    make_certificate,
    new_key,
    shared_test_eseal,
    shared_test_pki,
)
from cards.errors import ActionRefused
from cards.models import CardKind, KeyLocation, SigningCertificate
from cards.signing_certificates import certificate_register, certificate_revoke
from tests.factories import CardFactory, EnrolmentFactory, SemesterFactory

pytestmark = pytest.mark.django_db


def pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def person(kind: str = "ELS", **dates):
    pki = shared_test_pki()
    return make_certificate(SIGNER_COMMON_NAMES[kind], new_key("ec"), issuer=pki.ca_cert,
                            issuer_key=pki.ca_key, **dates)


def register(unit, cert, kinds=("ELS",), **options):
    options = {"key_location": KeyLocation.WORKSTATION, **options}
    return certificate_register(unit=unit, data=pem(cert), card_kinds=kinds, **options)


# --- registration ------------------------------------------------------------------------


def test_registration_reads_subject_serial_and_validity_from_the_certificate(unit):
    cert = person()

    registered = register(unit, cert)

    assert registered.subject_name == cert.subject.rfc4514_string()
    assert registered.serial_number == format(cert.serial_number, "X")
    assert registered.valid_from == cert.not_valid_before_utc
    assert registered.valid_until == cert.not_valid_after_utc
    assert registered.card_kinds == ["ELS"] and not registered.is_eseal


def test_a_certificate_without_the_phrase_for_its_kinds_is_refused(unit):
    with pytest.raises(ActionRefused, match="nie jest e-pieczęcią uczelni|not a university"):
        register(unit, person("ELS"), kinds=("ELS", "ELD"))
    assert not SigningCertificate.objects.exists()


def test_an_eseal_signs_every_kind_without_the_phrase(unit):
    registered = register(unit, shared_test_eseal()[1], kinds=CardKind.values,
                          key_location=KeyLocation.SERVER_HSM, key_label="eseal-key")

    assert registered.is_eseal and registered.card_kinds == ["ELD", "ELN", "ELS"]


@pytest.mark.parametrize("data, options, message", [
    (b"not a certificate", {}, "X.509"),
    (None, {"key_location": KeyLocation.SERVER_HSM}, "key label"),
    (None, {"key_location": KeyLocation.SERVER_HSM, "key_id": "xyz"}, "hex"),
    (None, {"card_kinds": []}, "kinds"),
], ids=["garbage", "hsm-without-key", "bad-key-id", "no-kinds"])
def test_bad_registrations_are_refused_and_say_why(unit, english, data, options, message):
    arguments = {"unit": unit, "data": data or pem(shared_test_eseal()[1]),
                 "card_kinds": ["ELS"], **options}

    with pytest.raises(ActionRefused, match=message):
        certificate_register(**arguments)
    assert not SigningCertificate.objects.exists()


def test_the_same_certificate_twice_for_a_unit_is_refused(unit, english):
    cert = person()
    register(unit, cert)

    with pytest.raises(ActionRefused, match="already registered"):
        register(unit, cert)


def test_revocation_stands_from_its_moment_and_is_not_moved(unit):
    registered = register(unit, person())
    first = timezone.now()

    certificate_revoke(registered, reason="left the university", moment=first)
    again = certificate_revoke(registered, reason="again")

    assert again.revoked_at == first and again.revocation_reason == "left the university"


# --- which certificate signs a card ------------------------------------------------------


@pytest.fixture
def extendable(unit):
    SemesterFactory()
    card = CardFactory(serving_unit=unit, valid_until=dt.date(2020, 3, 31))
    EnrolmentFactory(holder=card.holder, unit=unit)
    return card


def test_the_certificate_must_sign_the_cards_kind(extendable):
    register(extendable.serving_unit, person("ELD"), kinds=("ELD",))
    now = timezone.now()

    assert signing.certificate_for(extendable, now) is None
    refusal = rules.extension_refusal(extendable, timezone.localdate(), now)
    assert refusal.startswith(rules.NO_SIGNING_CERTIFICATE)

    els = register(extendable.serving_unit, person("ELS"))
    assert signing.certificate_for(extendable, now) == els
    assert rules.extension_refusal(extendable, timezone.localdate(), now) is None


def test_expired_not_yet_valid_or_revoked_certificates_do_not_sign(extendable):
    now = timezone.now()
    unit = extendable.serving_unit
    register(unit, person(not_before=now - dt.timedelta(days=400),
                          not_after=now - dt.timedelta(days=1)))
    register(unit, person(not_before=now + dt.timedelta(days=1),
                          not_after=now + dt.timedelta(days=400)))
    certificate_revoke(register(unit, person()), reason="lost card")

    assert signing.certificate_for(extendable, now) is None


def test_the_server_eseal_is_preferred_to_a_workstation_card(extendable, other_unit):
    unit = extendable.serving_unit
    register(unit, person())
    eseal = register(unit, shared_test_eseal()[1], kinds=CardKind.values,
                     key_location=KeyLocation.SERVER_HSM, key_label="k")
    register(other_unit, person())

    assert signing.certificate_for(extendable, timezone.now()) == eseal


# --- signing in the server's HSM -------------------------------------------------------


@pytest.fixture
def hsm_eseal(softhsm_tokens, unit, settings):
    token = softhsm_tokens.eseal
    settings.ESEAL_PKCS11_MODULE = token.key.module
    settings.ESEAL_TOKEN_LABEL = token.key.token_label
    settings.ESEAL_PIN = token.pin
    settings.ESEAL_PIN_FILE = ""
    registered = register(unit, token.certificate, kinds=CardKind.values,
                          key_location=KeyLocation.SERVER_HSM, key_label=token.key.key_label)
    yield registered
    signing.forget_signers()


@pytest.mark.softhsm
def test_eseal_sign_writes_a_file_that_verifies(hsm_eseal, softhsm_tokens):
    content = renew_els_content(build_els_content(ElsFields()), dt.date(2027, 10, 31))

    der = signing.eseal_sign(hsm_eseal, content)

    els = chip.parse_els_file(der)
    assert els.content == content and els.data.valid_until == dt.date(2027, 10, 31)
    assert chip.verify_els_file(els, trusted=[shared_test_pki().ca_cert],
                                seals=[softhsm_tokens.eseal.certificate],
                                today=dt.date(2026, 10, 1)) == []


@pytest.mark.softhsm
def test_the_token_session_is_opened_once_and_reused(hsm_eseal):
    content = build_els_content(ElsFields())

    signing.eseal_sign(hsm_eseal, content)
    first = signing._signer(hsm_eseal)
    signing.eseal_sign(hsm_eseal, content)

    assert signing._signer(hsm_eseal) is first


@pytest.mark.softhsm
def test_the_pin_can_come_from_a_file(hsm_eseal, settings, tmp_path, softhsm_tokens):
    pin_file = tmp_path / "pin"
    pin_file.write_text(softhsm_tokens.eseal.pin + "\n")
    settings.ESEAL_PIN, settings.ESEAL_PIN_FILE = "wrong", str(pin_file)

    assert chip.parse_els_file(signing.eseal_sign(hsm_eseal, build_els_content(ElsFields())))


@pytest.mark.softhsm
def test_a_wrong_pin_is_a_signing_error_not_a_crash(hsm_eseal, settings):
    settings.ESEAL_PIN = "0000"

    with pytest.raises(SigningError, match="wrong PIN"):
        signing.eseal_sign(hsm_eseal, build_els_content(ElsFields()))


def test_a_workstation_certificate_is_not_signed_on_the_server(unit):
    registered = register(unit, person())

    with pytest.raises(SigningError, match="workstation"):
        signing.eseal_sign(registered, build_els_content(ElsFields()))


# --- the admin form ----------------------------------------------------------------------


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_admin_form_shows_the_phrase_refusal(admin_client_, unit):
    response = admin_client_.post(reverse("admin:cards_signingcertificate_add"), {
        "unit": unit.pk, "certificate_pem": pem(person("ELS")).decode(),
        "card_kinds": ["ELS", "ELN"], "key_location": KeyLocation.WORKSTATION,
    })

    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "upoważniona do wystawiania legitymacji" in errors
    assert not SigningCertificate.objects.exists()


def test_the_admin_registers_and_revokes(admin_client_, unit):
    response = admin_client_.post(reverse("admin:cards_signingcertificate_add"), {
        "unit": unit.pk, "certificate_pem": pem(shared_test_eseal()[1]).decode(),
        "card_kinds": ["ELS", "ELD"], "key_location": KeyLocation.SERVER_HSM,
        "token_label": "uczelnia", "key_label": "eseal",
    })
    assert response.status_code == 302
    registered = SigningCertificate.objects.get()
    assert registered.is_eseal and registered.card_kinds == ["ELD", "ELS"]

    admin_client_.post(reverse("admin:cards_signingcertificate_changelist"), {
        "action": "revoke", "_selected_action": [registered.pk]})

    registered.refresh_from_db()
    assert registered.revoked_at is not None


# --- manage.py eseal_token -----------------------------------------------------------------


@pytest.mark.softhsm
def test_eseal_token_check_signs_a_test_file_in_the_hsm(hsm_eseal, unit, english):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("eseal_token", "check", "--unit", unit.code, "--kind", "ELN", stdout=out)

    assert "Signed a test file" in out.getvalue()


def test_eseal_token_register_refuses_a_certificate_without_the_phrase(unit, tmp_path, english):
    from django.core.management import CommandError, call_command

    path = tmp_path / "person.pem"
    path.write_bytes(pem(person("ELS")))

    with pytest.raises(CommandError, match="not a university e-seal"):
        call_command("eseal_token", "register", str(path), "--unit", unit.code,
                     "--kinds", "ELS,ELD", "--workstation")
    call_command("eseal_token", "register", str(path), "--unit", unit.code, "--kinds", "ELS",
                 "--workstation")
    assert SigningCertificate.objects.get().card_kinds == ["ELS"]


def test_eseal_token_demo_without_softhsm_warns_and_leaves_the_demo_running(monkeypatch,
                                                                            english):
    from io import StringIO

    from django.core.management import call_command

    from cards import softhsm

    monkeypatch.setattr(softhsm, "missing", lambda: "SoftHSM2 is not installed")
    out = StringIO()
    call_command("eseal_token", "demo", stdout=out)

    assert "cannot sign chip files" in out.getvalue()
