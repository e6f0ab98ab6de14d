"""The device's Ed25519 key: created at enrolment, kept mode 0600, signs each body."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from reader_bridge.agent.storage import write_durably


def create_key(path: Path) -> Ed25519PrivateKey:
    """Write a new private key to `path`, readable by the owner only from the first byte."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    write_durably(path, pem)
    return key


def load_key(path: Path) -> Ed25519PrivateKey:
    if path.stat().st_mode & 0o077:
        raise PermissionError(f"{path} is readable by others; run: chmod 600 {path}")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 key")
    return key


def public_key_pem(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def sign(key: Ed25519PrivateKey, body: bytes) -> str:
    """The X-Reader-Signature header: base64 of the signature over the exact body bytes."""
    return base64.b64encode(key.sign(body)).decode("ascii")


def verify(public_pem: str | bytes, body: bytes, signature: str) -> bool:
    public = serialization.load_pem_public_key(
        public_pem.encode() if isinstance(public_pem, str) else public_pem)
    if not isinstance(public, Ed25519PublicKey):
        return False
    try:
        public.verify(base64.b64decode(signature, validate=True), body)
    except (InvalidSignature, ValueError):
        return False
    return True
