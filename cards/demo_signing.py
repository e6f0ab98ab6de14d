"""The demo's signing keys, kept under var/ so that `make run` can sign chip files with
no hardware: a demo PKI (toy CA and issuing-employee keys, files) and a demo university
e-seal whose key lives in a SoftHSM2 token (`manage.py eseal_token demo`).

Demo only: the CA key sits in a file, and nothing it signs may ever be trusted.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from django.conf import settings
from django.utils import timezone

from . import softhsm
from .chip_signing import SigningError
from .chip_testing import SIGNER_COMMON_NAMES, TestPki, make_certificate, make_test_pki, new_key
from .models import CardKind, KeyLocation, SigningCertificate, Unit
from .signing_certificates import certificate_register, certificate_revoke

DEMO_DIR = Path(settings.BASE_DIR) / "var"
DEMO_CA_NAME = "Demo CA legitymacji"
ESEAL_TOKEN = "demo-eseal"
ESEAL_KEY = "demo-eseal-key"
ESEAL_NAME = "Uniwersytet Demonstracyjny — e-pieczęć (demo)"


def pki_dir() -> Path:
    return DEMO_DIR / "demo-pki"


def hsm_dir() -> Path:
    return DEMO_DIR / "softhsm"


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _write_private(path: Path, data: bytes) -> None:
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def demo_pki() -> TestPki:
    """The demo PKI from var/demo-pki, made there on first use."""
    folder = pki_dir()
    names = ["ca", *SIGNER_COMMON_NAMES]
    if all((folder / f"{name}.pem").exists() for name in names):
        def load(name):
            key = serialization.load_pem_private_key((folder / f"{name}-key.pem").read_bytes(),
                                                     password=None)
            return key, x509.load_pem_x509_certificate((folder / f"{name}.pem").read_bytes())
        ca_key, ca_cert = load("ca")
        pki = TestPki(ca_key=ca_key, ca_cert=ca_cert)
        for kind in SIGNER_COMMON_NAMES:
            pki.signer_keys[kind], pki.signer_certs[kind] = load(kind)
        return pki
    pki = make_test_pki(ca_name=DEMO_CA_NAME)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    pairs = {"ca": (pki.ca_key, pki.ca_cert)} | {
        kind: pki.signer(kind) for kind in SIGNER_COMMON_NAMES}
    for name, (key, cert) in pairs.items():
        _write_private(folder / f"{name}-key.pem", _key_pem(key))
        (folder / f"{name}.pem").write_bytes(_pem(cert))
    return pki


# --- the demo e-seal in SoftHSM2 -----------------------------------------------------------


def eseal_certificate_path() -> Path:
    return hsm_dir() / f"{ESEAL_TOKEN}.pem"


def make_eseal_token(pki: TestPki) -> x509.Certificate:
    """A fresh SoftHSM2 token under var/softhsm with the e-seal key made inside it and
    certified by the demo CA. Replaces the previous demo token."""
    missing = softhsm.missing()
    if missing:
        raise SigningError(missing)
    folder = hsm_dir()
    shutil.rmtree(folder / "tokens", ignore_errors=True)
    config = softhsm.write_config(folder)
    pin = secrets.token_hex(8)
    softhsm.init_token(config, ESEAL_TOKEN, pin, so_pin=secrets.token_hex(8))
    _write_private(folder / "pin", pin.encode())
    os.environ["SOFTHSM2_CONF"] = str(config)  # read when this process opens the module
    key = softhsm.TokenKey(softhsm.module_path(), ESEAL_TOKEN, ESEAL_KEY, key_id=b"\x01")
    public_key = softhsm.generate_rsa_key(key, pin)
    now = timezone.now()
    certificate = make_certificate(
        ESEAL_NAME, None, public_key=public_key, issuer=pki.ca_cert, issuer_key=pki.ca_key,
        eseal=True, organisation="Uniwersytet Demonstracyjny",
        not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=3 * 365))
    softhsm.store_certificate(key, pin, certificate)
    eseal_certificate_path().write_bytes(_pem(certificate))
    return certificate


def demo_eseal_certificate() -> x509.Certificate | None:
    path = eseal_certificate_path()
    return x509.load_pem_x509_certificate(path.read_bytes()) if path.exists() else None


def register_eseal(units: list[Unit], certificate: x509.Certificate) -> None:
    """The demo e-seal signs every kind of the `units`' cards (earlier demo e-seals of
    those units are revoked)."""
    for old in SigningCertificate.objects.filter(unit__in=units, token_label=ESEAL_TOKEN,
                                                 revoked_at__isnull=True):
        certificate_revoke(old, reason="replaced by a new demo e-seal token")
    for unit in units:
        certificate_register(unit=unit, data=_pem(certificate), card_kinds=CardKind.values,
                             key_location=KeyLocation.SERVER_HSM, token_label=ESEAL_TOKEN,
                             key_label=ESEAL_KEY)


def stand_in_eseal(pki: TestPki) -> x509.Certificate:
    """Without the demo token (SoftHSM2 missing, or `eseal_token demo` not run), an e-seal
    certificate whose key is nowhere: extensions pass the rules, signing says why not."""
    now = timezone.now()
    return make_certificate(ESEAL_NAME, new_key("ec"), issuer=pki.ca_cert,
                            issuer_key=pki.ca_key, eseal=True,
                            organisation="Uniwersytet Demonstracyjny",
                            not_before=now - dt.timedelta(days=1),
                            not_after=now + dt.timedelta(days=3 * 365))


def register_expired_signer(unit: Unit, pki: TestPki) -> None:
    """An employee's certificate that expired a month ago: the unit cannot extend."""
    now = timezone.now()
    certificate = make_certificate(
        SIGNER_COMMON_NAMES["ELS"], new_key("ec"), issuer=pki.ca_cert, issuer_key=pki.ca_key,
        not_before=now - dt.timedelta(days=760), not_after=now - dt.timedelta(days=30))
    certificate_register(unit=unit, data=_pem(certificate), card_kinds=[CardKind.ELS],
                         key_location=KeyLocation.WORKSTATION)
