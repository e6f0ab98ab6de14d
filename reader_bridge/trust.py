"""The certificates an administrator trusts for chip data signatures, ready to check with."""

from __future__ import annotations

from functools import lru_cache

from cryptography import x509

from cards.models import SigningCertificate

from .models import TrustedCertificate


def trusted_certificates() -> tuple[list[x509.Certificate], list[x509.Certificate]]:
    """(anchors, seals) from the certificates an administrator marked trusted. An e-seal
    registered to sign the university's cards (and not revoked) is a trusted seal too:
    otherwise every file the server signs with it would read as unauthorised."""
    anchors, seals = [], []
    rows = TrustedCertificate.objects.filter(active=True).values_list("usage", "certificate_pem")
    for usage, pem in rows:
        cert = _load_pem(pem)
        (seals if usage == TrustedCertificate.Usage.SEAL else anchors).append(cert)
    registered = SigningCertificate.objects.filter(is_eseal=True, revoked_at__isnull=True)
    seals += [_load_pem(pem) for pem in registered.values_list("certificate_pem", flat=True)]
    return anchors, seals


@lru_cache(maxsize=256)
def _load_pem(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())
