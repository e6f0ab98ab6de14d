"""The new EF.ELS of an extension: content renewed byte for byte, signed inside a
SoftHSM2 token, accepted by the project's codec and by `openssl cms -verify`."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from asn1crypto import cms, core
from cryptography.hazmat.primitives import serialization

from cards import chip
from cards.chip_signing import SigningError, build_signed_els, renew_els_content
from cards.chip_testing import (
    ElsFields,
    build_els_content,
    make_certificate,
    new_key,
    shared_test_pki,
)

FIELDS = ElsFields(surnames=("Nowak", "Kowalska"), given_names=("Zofia",))
NEW_DATE = dt.date(2027, 10, 31)
SIGNED_AT = dt.datetime(2026, 10, 2, 9, 30, tzinfo=dt.UTC)
TODAY = dt.date(2026, 10, 2)


def _verify(der: bytes, **trust) -> list[chip.ChipProblem]:
    return chip.verify_els_file(chip.parse_els_file(der), trusted=[shared_test_pki().ca_cert],
                                today=TODAY, kind="ELS", **trust)


# --- renewing the content ---------------------------------------------------------------


def test_renewal_changes_only_the_validity_date():
    content = build_els_content(FIELDS)

    renewed = renew_els_content(content, NEW_DATE)

    assert chip.parse_els_content(renewed).valid_until == NEW_DATE
    assert chip.parse_els_content(renewed).as_dict() | {"valid_until": None} == \
        chip.parse_els_content(content).as_dict() | {"valid_until": None}
    changed = [i for i, (a, b) in enumerate(zip(content, renewed, strict=True)) if a != b]
    start, end = chip.field_span(content, "valid_until")
    assert changed and all(start < i < end for i in changed)


def _fields_of(content: bytes) -> list[bytes]:
    return [encoded for _cls, _tag, encoded in chip._children(content)]


def _sequence(parts: list[bytes]) -> bytes:
    return core.Sequence(contents=b"".join(parts)).dump()


def _content_with_date(element: core.Asn1Value) -> bytes:
    return _sequence(_fields_of(build_els_content(FIELDS))[:-1] + [element.dump()])


@pytest.mark.parametrize("element", [
    core.UTCTime(dt.datetime(2027, 3, 31, tzinfo=dt.UTC)),
    core.PrintableString("2027-03-31"),
    core.GeneralizedTime(dt.datetime(2027, 3, 31, 23, 59, 59, tzinfo=dt.UTC)),
], ids=["utctime", "digit-string", "generalizedtime-with-time"])
def test_renewal_keeps_the_date_in_the_cards_own_format(element):
    content = _content_with_date(element)

    renewed = renew_els_content(content, NEW_DATE)

    assert len(renewed) == len(content)
    assert chip.parse_els_content(renewed).valid_until == NEW_DATE
    old_value = core.load(_fields_of(content)[8]).contents
    new_value = core.load(_fields_of(renewed)[8]).contents
    assert [c for c in old_value if not chr(c).isdigit()] == \
        [c for c in new_value if not chr(c).isdigit()]


def test_renewal_refuses_content_without_a_validity_date():
    content = _sequence(_fields_of(build_els_content(FIELDS))[:8])

    with pytest.raises(chip.UnexpectedContent, match="no validity date"):
        renew_els_content(content, NEW_DATE)


# --- e-seal and phrase rules ------------------------------------------------------------


def test_an_eseal_certificate_is_told_from_a_persons_certificate():
    pki = shared_test_pki()
    key = new_key("ec")
    seal = make_certificate("Uniwersytet Testowy", key, issuer=pki.ca_cert,
                            issuer_key=pki.ca_key, eseal=True)
    person = pki.signer_certs["ELS"]

    assert chip.is_eseal(seal) and not chip.is_eseal(person)
    assert chip.unauthorised_kinds(seal, ["ELS", "ELD", "ELN"]) == []
    assert chip.unauthorised_kinds(person, ["ELS", "ELD", "ELN"]) == ["ELD", "ELN"]


# --- signing inside the token -----------------------------------------------------------

@pytest.fixture
def eseal(softhsm_tokens):
    with softhsm_tokens.eseal.signer() as signer:
        yield signer


def _openssl_verify(der: bytes, tmp_path) -> subprocess.CompletedProcess:
    (tmp_path / "els.der").write_bytes(der)
    (tmp_path / "ca.pem").write_text(shared_test_pki().ca_pem())
    return subprocess.run(
        [shutil.which("openssl") or "openssl", "cms", "-verify", "-inform", "DER",
         "-in", str(tmp_path / "els.der"), "-CAfile", str(tmp_path / "ca.pem"), "-binary",
         "-purpose", "any", "-out", str(tmp_path / "content.der")],
        capture_output=True, text=True, check=False)


@pytest.mark.softhsm
def test_a_file_signed_in_the_token_verifies_with_our_codec_and_with_openssl(
        eseal, softhsm_tokens, tmp_path):
    content = renew_els_content(build_els_content(FIELDS), NEW_DATE)

    der = build_signed_els(content, eseal, SIGNED_AT)

    assert _verify(der, seals=[softhsm_tokens.eseal.certificate]) == []
    result = _openssl_verify(der, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr
    assert (tmp_path / "content.der").read_bytes() == content


@pytest.mark.softhsm
def test_the_signed_file_carries_the_signed_attributes_and_the_signer(eseal):
    content = build_els_content(FIELDS)

    der = build_signed_els(content, eseal, SIGNED_AT)

    els = chip.parse_els_file(der)
    assert els.content_oid == chip.ELS_CONTENT_OID == "1.2.616.1.101.4.1.1.1"
    assert els.content == content
    assert els.signing_time == SIGNED_AT
    assert els.message_digest is not None
    assert chip.fingerprint(els.signer_certificate) == chip.fingerprint(eseal.certificate)
    signer_info = cms.ContentInfo.load(der)["content"]["signer_infos"][0]
    names = [attribute["type"].native for attribute in signer_info["signed_attrs"]]
    assert sorted(names) == ["content_type", "message_digest", "signing_time"]


@pytest.mark.softhsm
def test_an_eseal_without_the_phrase_is_refused_unless_trusted_as_a_seal(eseal):
    der = build_signed_els(build_els_content(FIELDS), eseal, SIGNED_AT)

    codes = [problem.code for problem in _verify(der)]

    assert codes == [chip.SIGNER_NOT_AUTHORISED]


@pytest.mark.softhsm
def test_a_workstation_card_signs_with_the_certificate_it_carries(softhsm_tokens, tmp_path):
    token = softhsm_tokens.workstation
    with token.signer(certificate=None) as signer:
        der = build_signed_els(build_els_content(FIELDS), signer, SIGNED_AT)

    assert chip.fingerprint(signer.certificate) == chip.fingerprint(token.certificate)
    assert _verify(der) == []
    assert _openssl_verify(der, tmp_path).returncode == 0


@pytest.mark.softhsm
def test_the_private_key_never_leaves_the_token(softhsm_tokens):
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    with softhsm_tokens.eseal.signer() as signer:
        key = signer._key
        assert key.object_class == ObjectClass.PRIVATE_KEY
        assert key[Attribute.SENSITIVE] is True
        assert key[Attribute.EXTRACTABLE] is False
        with pytest.raises(pkcs11.AttributeSensitive):
            key[Attribute.PRIVATE_EXPONENT]


@pytest.mark.softhsm
def test_one_signer_serves_several_threads(eseal):
    content = build_els_content(FIELDS)

    with ThreadPoolExecutor(max_workers=4) as pool:
        files = list(pool.map(lambda _: build_signed_els(content, eseal, SIGNED_AT), range(40)))

    seal = [eseal.certificate]
    assert all(_verify(der, seals=seal) == [] for der in files)


@pytest.mark.softhsm
@pytest.mark.parametrize("changes, message", [
    ({"pin": "0000"}, "wrong PIN"),
    ({"token_label": "no-such-token"}, "no PKCS#11 token labelled 'no-such-token'"),
    ({"key_label": "no-such-key"}, "no private key with label 'no-such-key'"),
    ({"certificate": shared_test_pki().signer_certs["ELS"]}, "does not belong"),
], ids=["pin", "token", "key", "certificate"])
def test_a_signer_that_cannot_sign_says_why(softhsm_tokens, changes, message):
    from cards.chip_signing import Pkcs11Signer

    token = softhsm_tokens.eseal
    options = {"module_path": token.key.module, "token_label": token.key.token_label,
               "pin": token.pin, "key_label": token.key.key_label,
               "certificate": token.certificate.public_bytes(serialization.Encoding.PEM)}

    with pytest.raises(SigningError, match=message):
        Pkcs11Signer(**{**options, **changes})
