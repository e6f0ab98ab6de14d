"""Chip files for extension tests, and the signing stand-in (the test PKI) until SoftHSM."""

from __future__ import annotations

from cards import chip
from cards.chip_testing import ElsFields, build_els_content, build_els_file, shared_test_pki

from .factories import chip_fields


def renew_with_test_codec(content: bytes, valid_until) -> bytes:
    data = chip.parse_els_content(content)
    return build_els_content(ElsFields(
        chip_serial=data.chip_serial, university=data.university, surnames=data.surnames,
        given_names=data.given_names, album_number=data.album_number,
        album_series=data.album_series, pesel=data.pesel, valid_until=valid_until))


def sign_with_test_key(certificate, content: bytes) -> bytes:
    key, cert = shared_test_pki().signer("ELS")
    return build_els_file(content=content, signer_key=key, signer_cert=cert)


def genuine_file(card, **changes) -> bytes:
    from cards.chip_testing import build_test_els_file

    return build_test_els_file(chip_fields(card, **changes))
