"""Which certificate signs a card's chip file, and signing with the university e-seal.

`certificate_for` is the one rule for "which certificate signs this card":
`cards.rules.extension_refusal` asks it, and so does the extension on the server.
`eseal_sign` signs inside the server's HSM through PKCS#11; the token session is opened
once per process and shared by its threads. A certificate whose key sits on a
workstation card is signed by the agent instead (`cards.chip_signing.Pkcs11Signer`
there, the PIN typed at the workstation).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .chip_signing import Pkcs11Signer, SigningError, build_signed_els
from .models import Card, KeyLocation, SigningCertificate


def certificate_for(card: Card, moment: dt.datetime) -> SigningCertificate | None:
    """The certificate that signs `card` at `moment`: registered for its serving unit and
    kind, valid then and not revoked. The server's e-seal before a workstation card
    (no one has to type a PIN), then the one valid longest."""
    candidates = (SigningCertificate.objects.usable_at(moment)
                  .filter(unit=card.serving_unit_id).order_by("-valid_until", "pk"))
    usable = [certificate for certificate in candidates if certificate.signs(card.kind)]
    usable.sort(key=lambda certificate: not certificate.signs_on_server)
    return usable[0] if usable else None


def eseal_sign(certificate: SigningCertificate, content: bytes,
               signing_time: dt.datetime | None = None) -> bytes:
    """The whole new EF.ELS over `content` (the renewed eContent), signed in the HSM.

    Raises SigningError when the token cannot sign (not found, wrong PIN, no such key,
    a key that is not the certificate's); the caller tells the operator.
    """
    if certificate.key_location != KeyLocation.SERVER_HSM:
        raise SigningError(f"certificate {certificate.serial_number} is signed at a "
                           "workstation, not on the server")
    return build_signed_els(content, _signer(certificate), signing_time or timezone.now())


_signers: dict[tuple, Pkcs11Signer] = {}
_signers_lock = threading.Lock()


def _signer(certificate: SigningCertificate) -> Pkcs11Signer:
    token_label = certificate.token_label or settings.ESEAL_TOKEN_LABEL
    key = (os.getpid(), settings.ESEAL_PKCS11_MODULE, token_label, certificate.key_label,
           certificate.key_id, certificate.certificate_pem)
    with _signers_lock:
        signer = _signers.get(key)
        if signer is None:
            if not token_label:
                raise SigningError("no token label: set ESEAL_TOKEN_LABEL or the "
                                   "certificate's token label")
            signer = _signers[key] = Pkcs11Signer(
                settings.ESEAL_PKCS11_MODULE, token_label, eseal_pin(),
                key_label=certificate.key_label or None,
                key_id=certificate.key_id or None,
                certificate=certificate.certificate_pem.encode())
        return signer


def eseal_pin() -> str:
    if settings.ESEAL_PIN_FILE:
        try:
            return Path(settings.ESEAL_PIN_FILE).read_text().strip()
        except OSError as exc:
            raise SigningError(f"ESEAL_PIN_FILE cannot be read: {exc}") from exc
    if settings.ESEAL_PIN:
        return settings.ESEAL_PIN
    raise SigningError("no PIN for the e-seal token: set ESEAL_PIN_FILE or ESEAL_PIN")


def forget_signers() -> None:
    """Close the open token sessions (tests; a worker that changes its settings)."""
    with _signers_lock:
        for signer in _signers.values():
            signer.close()
        _signers.clear()
