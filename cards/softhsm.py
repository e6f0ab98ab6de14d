"""SoftHSM2 tokens for the demo, the tests and the benchmarks: a real PKCS#11 token in a
folder of files, with a signing key generated inside it (never exported).

No Django here. SoftHSM2 reads `SOFTHSM2_CONF` when the PKCS#11 module is initialised,
and a process sees only the tokens that existed then: create every token before the
first signer of the process opens the module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .chip_signing import SigningError, pkcs11_library

MODULE_PATHS = ("/usr/lib/softhsm/libsofthsm2.so",
                "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")


def module_path() -> str | None:
    """Where Debian's softhsm2 package put the PKCS#11 module, if it is installed."""
    return next((path for path in MODULE_PATHS if os.path.exists(path)), None)


def missing() -> str | None:
    """Why SoftHSM2 cannot be used here, or None."""
    if not shutil.which("softhsm2-util") or module_path() is None:
        return "SoftHSM2 is not installed (apt-get install softhsm2)"
    try:
        import pkcs11  # noqa: F401
    except ImportError:
        return "python-pkcs11 is not installed (pip install -e .)"
    return None


def write_config(folder: Path) -> Path:
    """A softhsm2.conf keeping its tokens in `folder`/tokens; point SOFTHSM2_CONF at it."""
    tokens = folder / "tokens"
    tokens.mkdir(parents=True, exist_ok=True, mode=0o700)
    config = folder / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                      "log.level = ERROR\nslots.removable = false\n")
    return config


def init_token(config: Path, label: str, pin: str, so_pin: str) -> None:
    """A new, empty token labelled `label` in the free slot."""
    command = ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin,
               "--so-pin", so_pin]
    result = subprocess.run(  # noqa: S603 - Debian's tool, arguments are ours
        command,
        env={**os.environ, "SOFTHSM2_CONF": str(config)}, capture_output=True, text=True,
        check=False)
    if result.returncode != 0:
        raise SigningError(f"softhsm2-util could not create token {label!r}: "
                           f"{result.stderr.strip() or result.stdout.strip()}")


@dataclass(frozen=True)
class TokenKey:
    module: str
    token_label: str
    key_label: str
    key_id: bytes


def generate_rsa_key(key: TokenKey, pin: str, bits: int = 2048) -> rsa.RSAPublicKey:
    """An RSA key pair made inside the token: the private half is sensitive and not
    extractable. Returns the public key, to be certified."""
    from pkcs11 import Attribute, KeyType

    token = pkcs11_library(key.module).get_token(token_label=key.token_label)
    with token.open(rw=True, user_pin=pin) as session:
        public, _private = session.generate_keypair(
            KeyType.RSA, bits, store=True, label=key.key_label, id=key.key_id,
            private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False})
        return rsa.RSAPublicNumbers(
            int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
            int.from_bytes(public[Attribute.MODULUS], "big"),
        ).public_key()


def store_certificate(key: TokenKey, pin: str, certificate: x509.Certificate) -> None:
    """Put the key's certificate on the token too, as a signature card carries it."""
    from pkcs11 import Attribute, CertificateType, ObjectClass

    token = pkcs11_library(key.module).get_token(token_label=key.token_label)
    with token.open(rw=True, user_pin=pin) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True,
            Attribute.LABEL: key.key_label,
            Attribute.ID: key.key_id,
            Attribute.SUBJECT: certificate.subject.public_bytes(),
            Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
        })
