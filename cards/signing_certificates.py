"""The signing-certificate registry: register a certificate for a unit's cards, revoke it.

The only writer of `SigningCertificate`. What the certificate says about itself
(subject, serial, validity, e-seal or person) is read from it, never typed in; a
certificate whose CN lacks the issuing phrase for a kind it would sign is refused
unless it is a qualified e-seal (`cards.chip.unauthorised_kinds`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import chip
from .errors import ActionRefused
from .models import CardKind, KeyLocation, SigningCertificate, Unit


def certificate_fields(data: bytes) -> dict:
    """The model fields the certificate itself gives; ActionRefused if it is not one."""
    try:
        cert = chip.load_certificate(data)
    except chip.ChipFileError as exc:
        raise ActionRefused(_("This is not an X.509 certificate (PEM or DER).")) from exc
    return {
        "certificate_pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "subject_name": cert.subject.rfc4514_string()[:300],
        "serial_number": format(cert.serial_number, "X")[:100],
        "valid_from": cert.not_valid_before_utc,
        "valid_until": cert.not_valid_after_utc,
        "is_eseal": chip.is_eseal(cert),
    }


def registration_refusal(cert: x509.Certificate, card_kinds: Iterable[str], key_location: str,
                         key_label: str, key_id: str) -> str | None:
    """Why this certificate may not be registered with these settings, or None."""
    kinds = list(card_kinds)
    if not kinds:
        return _("Choose the kinds of card the certificate signs.")
    unknown = [kind for kind in kinds if kind not in CardKind.values]
    if unknown:
        return _("Unknown card kind: %(kinds)s.") % {"kinds": ", ".join(unknown)}
    missing = chip.unauthorised_kinds(cert, kinds)
    if missing:
        phrases = "; ".join(f"{kind}: „{' / '.join(chip.SIGNER_PHRASES[kind])}”"
                            for kind in missing)
        return _(
            "The certificate's common name (CN) lacks the phrase its card kinds require "
            "(%(phrases)s), and it is not a university e-seal."
        ) % {"phrases": phrases}
    if key_location not in KeyLocation.values:
        return _("Unknown key location.")
    if key_location == KeyLocation.SERVER_HSM and not (key_label or key_id):
        return _("A key in the server HSM needs its key label or key id.")
    if key_id and not re.fullmatch(r"(?:[0-9a-fA-F]{2})+", key_id):
        return _("The key id must be hexadecimal digits, two per byte.")
    return None


def certificate_register(*, unit: Unit, data: bytes, card_kinds: Iterable[str],
                         key_location: str = KeyLocation.SERVER_HSM, token_label: str = "",
                         key_label: str = "", key_id: str = "") -> SigningCertificate:
    """Register the certificate (PEM or DER) to sign `unit`'s cards of `card_kinds`."""
    fields = certificate_fields(data)
    kinds = sorted(set(card_kinds))
    refusal = registration_refusal(chip.load_certificate(fields["certificate_pem"].encode()),
                                   kinds, key_location, key_label, key_id)
    if refusal:
        raise ActionRefused(refusal)
    try:
        with transaction.atomic():
            return SigningCertificate.objects.create(
                unit=unit, card_kinds=kinds, key_location=key_location,
                token_label=token_label if key_location == KeyLocation.SERVER_HSM else "",
                key_label=key_label, key_id=key_id.lower(), **fields)
    except IntegrityError as exc:
        raise ActionRefused(_("This certificate is already registered for %(unit)s.")
                            % {"unit": unit.name}) from exc


def certificate_revoke(certificate: SigningCertificate, *, reason: str,
                       moment: dt.datetime | None = None) -> SigningCertificate:
    """From `moment` on the certificate signs nothing more; the first revocation stands."""
    with transaction.atomic():
        locked = SigningCertificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is None:
            locked.revoked_at = moment or timezone.now()
            locked.revocation_reason = reason[:200]
            locked.save(update_fields=["revoked_at", "revocation_reason"])
    return locked
