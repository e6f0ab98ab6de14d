"""The EF.ELS codec: round trip, every verification failure, and garbage that must not crash."""

from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import core
from hypothesis import given, settings
from hypothesis import strategies as st

from cards import chip
from cards.chip_testing import (
    ElsFields,
    build_els_file,
    build_test_els_file,
    make_certificate,
    make_test_pki,
    new_key,
    shared_test_pki,
)

TODAY = dt.date(2026, 11, 25)
FIELDS = ElsFields(chip_serial="04A1B2C3D4E5F6", surnames=("Nowak", "Kowalska"),
                   given_names=("Zofia",), valid_until=dt.date(2027, 3, 31))


@pytest.fixture(scope="module")
def pki():
    return shared_test_pki()


def problem_codes(els: chip.ElsFile, pki, **options) -> list[str]:
    options = {"trusted": [pki.ca_cert], "today": TODAY, **options}
    return [problem.code for problem in chip.verify_els_file(els, **options)]


def test_round_trip_gives_every_field_and_no_problem(pki):
    els = chip.parse_els_file(build_test_els_file(FIELDS))

    assert els.content_oid == chip.ELS_CONTENT_OID
    assert els.data == chip.ElsData(
        version=1, chip_serial="04A1B2C3D4E5F6", university="Uniwersytet Testowy",
        surnames=("Nowak", "Kowalska"), given_names=("Zofia",), album_number="100001",
        album_series="UT", pesel="03220100006", valid_until=dt.date(2027, 3, 31),
    )
    assert (els.digest_algorithm, els.signature_algorithm) == ("sha256", "rsassa_pkcs1v15")
    assert els.signer_certificate == pki.signer_certs["ELS"]
    assert problem_codes(els, pki, chip_serial="04:a1:b2:c3:d4:e5:f6", kind="ELS") == []


@pytest.mark.parametrize("digest", ["sha1", "sha256"])
@pytest.mark.parametrize("signed_attributes", [True, False])
def test_rsa_and_ecdsa_signatures_verify_with_either_digest(pki, digest, signed_attributes):
    ec_pki = shared_test_pki("ec")
    for authority in (pki, ec_pki):
        data = build_test_els_file(FIELDS, pki=authority, digest=digest,
                                   signed_attributes=signed_attributes)
        els = chip.parse_els_file(data)
        assert els.digest_algorithm == digest
        assert problem_codes(els, authority) == []


def test_certificate_from_the_separate_certificate_file_is_used(pki):
    key, cert = pki.signer("ELS")
    data = build_els_file(FIELDS, signer_key=key, signer_cert=cert, include_certificate=False)
    from cryptography.hazmat.primitives.serialization import Encoding

    assert chip.parse_els_file(data).signer_certificate is None
    assert problem_codes(chip.parse_els_file(data), pki) == ["no_signer_certificate"]
    els = chip.parse_els_file(data, certificate_file=cert.public_bytes(Encoding.DER))
    assert problem_codes(els, pki) == []


def test_tampered_content_is_an_invalid_signature(pki):
    data = build_test_els_file(FIELDS)
    tampered = data.replace(b"Zofia", b"Zosia")

    assert problem_codes(chip.parse_els_file(tampered), pki) == ["invalid_signature"]


def test_tampered_unsigned_attributes_content_is_an_invalid_signature(pki):
    data = build_test_els_file(FIELDS, signed_attributes=False).replace(b"Zofia", b"Zosia")

    assert problem_codes(chip.parse_els_file(data), pki) == ["invalid_signature"]


def test_signed_by_another_key_is_an_invalid_signature(pki):
    _key, cert = pki.signer("ELS")
    data = build_els_file(FIELDS, signer_key=new_key(), signer_cert=cert)

    assert problem_codes(chip.parse_els_file(data), pki) == ["invalid_signature"]


def test_signer_from_an_untrusted_ca_is_an_unknown_issuer(pki):
    rogue = make_test_pki(ca_name="Rogue CA")
    els = chip.parse_els_file(build_test_els_file(FIELDS, pki=rogue))

    assert problem_codes(els, pki) == ["unknown_issuer"]
    assert problem_codes(els, pki, trusted=[]) == ["unknown_issuer"]


def test_rogue_certificate_with_the_trusted_ca_name_does_not_chain(pki):
    rogue_key = new_key()
    rogue_ca = make_certificate(pki.ca_cert.subject.get_attributes_for_oid(
        chip.x509.NameOID.COMMON_NAME)[0].value, rogue_key, ca=True)
    signer_key = new_key()
    signer = make_certificate(chip.SIGNER_PHRASES["ELS"][0], signer_key, issuer=rogue_ca,
                              issuer_key=rogue_key)
    data = build_els_file(FIELDS, signer_key=signer_key, signer_cert=signer,
                          extra_certificates=(rogue_ca,))

    assert problem_codes(chip.parse_els_file(data), pki) == ["unknown_issuer"]


def test_signer_certificate_not_valid_at_signing_time(pki):
    key = new_key()
    cert = make_certificate(chip.SIGNER_PHRASES["ELS"][0], key, issuer=pki.ca_cert,
                            issuer_key=pki.ca_key,
                            not_before=dt.datetime(2021, 1, 1, tzinfo=dt.UTC),
                            not_after=dt.datetime(2022, 1, 1, tzinfo=dt.UTC))
    data = build_els_file(FIELDS, signer_key=key, signer_cert=cert,
                          signing_time=dt.datetime(2023, 5, 1, tzinfo=dt.UTC))

    assert problem_codes(chip.parse_els_file(data), pki) == ["certificate_not_valid"]


def test_signer_without_the_phrase_for_the_card_kind_is_not_authorised(pki):
    eld = chip.parse_els_file(build_test_els_file(FIELDS, kind="ELD"))

    assert problem_codes(eld, pki, kind="ELD") == []
    assert problem_codes(eld, pki, kind="ELS") == ["signer_not_authorised"]
    assert chip.signer_kind(eld.signer_certificate) == "ELD"


def test_a_trusted_university_seal_needs_no_phrase(pki):
    key = new_key()
    seal = make_certificate("Uniwersytet Testowy - pieczęć", key, ca=False)
    els = chip.parse_els_file(build_els_file(FIELDS, signer_key=key, signer_cert=seal))

    assert problem_codes(els, pki, trusted=[seal]) == ["signer_not_authorised"]
    assert problem_codes(els, pki, seals=[seal]) == []


def test_chip_serial_in_data_must_match_the_chip_read(pki):
    els = chip.parse_els_file(build_test_els_file(FIELDS))

    assert problem_codes(els, pki, chip_serial="04FFFFFFFFFFFF") == ["chip_serial_mismatch"]


def test_bad_pesel_checksum(pki):
    els = chip.parse_els_file(build_test_els_file(ElsFields(pesel="03220100007")))

    assert problem_codes(els, pki) == ["invalid_pesel"]


def test_expired_card_is_genuine_but_expired(pki):
    els = chip.parse_els_file(build_test_els_file(ElsFields(valid_until=dt.date(2026, 10, 31))))

    assert problem_codes(els, pki) == ["expired"]
    assert problem_codes(els, pki, today=dt.date(2026, 10, 31)) == []


def test_variant_layout_is_parsed_with_notes():
    """No version, a single surname string, a date as text, and an unknown trailing field."""
    parts = [
        core.PrintableString("04AA"), core.UTF8String("Uniwersytet"), core.UTF8String("Nowak"),
        core.UTF8String("Jan"), core.PrintableString("1"), core.PrintableString("S"),
        core.PrintableString("03220100006"), core.PrintableString("2027-03-31"),
        core.Integer(7),
    ]
    body = b"".join(part.dump() for part in parts)
    content = b"\x30" + bytes([len(body)]) + body

    data = chip.parse_els_content(content)

    assert (data.version, data.chip_serial, data.surnames, data.given_names) == (
        None, "04AA", ("Nowak",), ("Jan",))
    assert data.valid_until == dt.date(2027, 3, 31)
    assert data.notes[0].startswith("no version number")
    assert "extra element" in data.notes[-1]


def test_fields_of_the_wrong_type_are_noted_and_reported_missing(pki):
    parts = [core.Integer(1), core.Integer(5), core.UTF8String("U")]
    body = b"".join(part.dump() for part in parts)
    els = chip.parse_els_file(build_test_els_file(content=b"\x30" + bytes([len(body)]) + body))

    assert els.data.chip_serial is None
    assert "chip_serial: unexpected element (class 0, tag 2)" in els.data.notes
    assert "missing_field" in problem_codes(els, pki)


def test_content_oid_of_another_card_kind_is_kept(pki):
    els = chip.parse_els_file(build_test_els_file(FIELDS, content_oid="1.2.616.1.101.4.1.1.9"))

    assert els.content_oid == "1.2.616.1.101.4.1.1.9"
    assert problem_codes(els, pki) == []


@pytest.mark.parametrize(("data", "error"), [
    (b"", chip.MalformedFile),
    (b"\x00\x01garbage", chip.MalformedFile),
    (b"\x30\x82\x04\x00\x06\x09", chip.MalformedFile),
    (core.Sequence.load(b"\x30\x00").dump(), chip.MalformedFile),
])
def test_garbage_gives_a_precise_error(data, error):
    with pytest.raises(error) as raised:
        chip.parse_els_file(data)
    assert raised.value.code == error.code


def test_truncated_file_is_malformed():
    data = build_test_els_file(FIELDS)

    for cut in (10, len(data) // 2, len(data) - 1):
        with pytest.raises(chip.MalformedFile):
            chip.parse_els_file(data[:cut])


def test_plain_data_content_info_is_not_signed():
    from asn1crypto import cms

    unsigned = cms.ContentInfo({"content_type": "data", "content": b"hello"}).dump()

    with pytest.raises(chip.NotSignedData):
        chip.parse_els_file(unsigned)


def test_card_data_that_is_not_a_sequence_is_unexpected_content():
    with pytest.raises(chip.UnexpectedContent):
        chip.parse_els_file(build_test_els_file(content=core.UTF8String("x").dump()))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(data):
    _parse_or_explain(data)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_flipped_bytes_never_crash(data):
    original = _reference_file()
    _parse_or_explain(_flip(original, data.draw(st.integers(0, len(original) - 1)), data))


def _parse_or_explain(data: bytes) -> chip.ElsFile | None:
    """Parsed, or None after a ChipFileError that says what is wrong; anything else fails."""
    try:
        return chip.parse_els_file(data)
    except chip.ChipFileError as exc:
        assert exc.code and exc.message
        return None


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_changed_byte_of_signed_content_or_signature_is_caught(data):
    original = _reference_file()
    els = chip.parse_els_file(original)
    regions = [original.index(els.content), original.index(els.signature)]
    start = data.draw(st.sampled_from(regions))
    length = len(els.content) if start == regions[0] else len(els.signature)
    changed = _parse_or_explain(
        _flip(original, data.draw(st.integers(start, start + length - 1)), data))
    if changed is None:
        return
    pki = shared_test_pki()
    problems = chip.verify_els_file(changed, trusted=[pki.ca_cert], today=TODAY,
                                    chip_serial=FIELDS.chip_serial, kind="ELS")
    assert problems


def _flip(original: bytes, position: int, data) -> bytes:
    value = data.draw(st.integers(0, 255).filter(lambda v: v != original[position]))
    return original[:position] + bytes([value]) + original[position + 1:]


_REFERENCE: list[bytes] = []


def _reference_file() -> bytes:
    if not _REFERENCE:
        _REFERENCE.append(build_test_els_file(FIELDS))
    return _REFERENCE[0]
