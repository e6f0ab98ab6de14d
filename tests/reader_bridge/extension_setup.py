"""Chip files for extension tests, and a signing stand-in (the test PKI) for speed."""

from __future__ import annotations

from cards.chip_testing import build_els_file, shared_test_pki

from .factories import chip_fields


def sign_with_test_key(certificate, content: bytes) -> bytes:
    key, cert = shared_test_pki().signer("ELS")
    return build_els_file(content=content, signer_key=key, signer_cert=cert)


def genuine_file(card, **changes) -> bytes:
    from cards.chip_testing import build_test_els_file

    return build_test_els_file(chip_fields(card, **changes))
