"""The SoftHSM2 tokens behind the `softhsm_tokens` fixture (see tests/conftest.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from cards import softhsm
from cards.chip_signing import Pkcs11Signer
from cards.chip_testing import SIGNER_COMMON_NAMES, make_certificate, shared_test_pki

PIN = "1234"
SO_PIN = "5678"
ESEAL_NAME = "Uniwersytet Testowy — e-pieczęć"


@dataclass(frozen=True)
class Token:
    key: softhsm.TokenKey
    pin: str
    certificate: x509.Certificate

    def signer(self, **changes) -> Pkcs11Signer:
        options = {"key_label": self.key.key_label, "certificate": self.certificate, **changes}
        return Pkcs11Signer(self.key.module, self.key.token_label, self.pin, **options)


@dataclass(frozen=True)
class Tokens:
    config: Path
    module: str
    eseal: Token
    workstation: Token


def make_tokens(folder: Path) -> Tokens:
    config = softhsm.write_config(folder)
    os.environ["SOFTHSM2_CONF"] = str(config)
    module = softhsm.module_path()
    specs = {"eseal": (ESEAL_NAME, True), "workstation": (SIGNER_COMMON_NAMES["ELS"], False)}
    for label in specs:
        softhsm.init_token(config, label, PIN, SO_PIN)
    pki = shared_test_pki()
    tokens = {}
    for label, (common_name, eseal) in specs.items():
        key = softhsm.TokenKey(module, label, key_label=f"{label}-key", key_id=b"\x01")
        public_key = softhsm.generate_rsa_key(key, PIN)
        certificate = make_certificate(common_name, None, public_key=public_key,
                                       issuer=pki.ca_cert, issuer_key=pki.ca_key, eseal=eseal)
        softhsm.store_certificate(key, PIN, certificate)
        tokens[label] = Token(key, PIN, certificate)
    return Tokens(config=config, module=module, **tokens)
