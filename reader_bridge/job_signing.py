"""The server's Ed25519 key, which signs every job it gives a workstation agent.

The agent receives the public key at enrolment and refuses any job that does not verify
with it, so nobody between the two can forge a job or change one on its way.
"""

from __future__ import annotations

import base64
import binascii
import json
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=4)
def _key_for(configured: str) -> Ed25519PrivateKey:
    """The key from READER_JOB_KEY: base64 (standard or URL-safe) of a 32-byte seed."""
    try:
        seed = base64.urlsafe_b64decode(configured.replace("+", "-").replace("/", "_"))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("READER_JOB_KEY must be base64 of 32 bytes") from exc
    if len(seed) != 32:
        raise ImproperlyConfigured("READER_JOB_KEY must be base64 of 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def server_key() -> Ed25519PrivateKey:
    return _key_for(settings.READER_JOB_KEY)


def server_public_key_pem() -> str:
    return server_key().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def signed_job(payload: dict) -> dict:
    """{"job": base64 of the job JSON, "signature": base64 Ed25519 over those bytes}."""
    data = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return {"job": base64.b64encode(data).decode(),
            "signature": base64.b64encode(server_key().sign(data)).decode()}
