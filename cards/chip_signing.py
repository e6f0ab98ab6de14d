"""A new EF.ELS for an extension: the read content with a new validity date, signed in a
PKCS#11 token.

No Django here: the server (the university e-seal in an HSM) and the workstation agent
(an employee's qualified-signature card through OpenSC) both build the file with it.
The private key never leaves the token: `Pkcs11Signer` only asks the token to sign.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
from typing import Protocol

from asn1crypto import algos, cms, core, parser
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from .chip import (
    ELS_CONTENT_OID,
    ChipFileError,
    UnexpectedContent,
    field_span,
    load_certificate,
    parse_els_content,
)

_TAG_UTCTIME = 23
_DIGESTS = frozenset({"sha1", "sha224", "sha256", "sha384", "sha512"})


class SigningError(Exception):
    """The token could not sign: not found, wrong PIN, no such key, key and certificate
    that do not belong together. `message` says which, for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Signer(Protocol):
    """What signs a file: the signer's certificate, and signing bytes with its key."""

    certificate: x509.Certificate

    def sign(self, data: bytes, digest: str = "sha256") -> bytes: ...


# --- the content: only validUntil changes --------------------------------------------


def renew_els_content(content: bytes, valid_until: dt.date) -> bytes:
    """The eContent with `valid_until` as its validity date and every other byte kept.

    The date's digits are replaced in place, in the element's own type and format
    (GeneralizedTime, UTCTime or a digit string), so no length changes and all other
    fields, tags and the time-of-day part stay byte for byte as the card had them.
    """
    span = field_span(content, "valid_until")
    if span is None:
        raise UnexpectedContent("the card data has no validity date to change")
    start, end = span
    element = content[start:end]
    _cls, _method, tag, header, body, _trailer = parser.parse(element)
    if tag == _TAG_UTCTIME:
        if not 1950 <= valid_until.year <= 2049:
            raise UnexpectedContent(f"the card's UTCTime cannot hold {valid_until.year}")
        digits = valid_until.strftime("%y%m%d")
    else:
        digits = valid_until.strftime("%Y%m%d")
    new_body = _replace_leading_digits(body.decode("ascii"), digits).encode("ascii")
    renewed = content[:start] + header + new_body + content[end:]
    if parse_els_content(renewed).valid_until != valid_until:
        raise UnexpectedContent("the card's validity date is in a format that cannot be renewed")
    return renewed


def _replace_leading_digits(text: str, digits: str) -> str:
    remaining = iter(digits)
    out, left = [], len(digits)
    for char in text:
        if left and char.isdigit():
            out.append(next(remaining))
            left -= 1
        else:
            out.append(char)
    if left:
        raise UnexpectedContent(f"the card's validity date {text!r} has too few digits")
    return "".join(out)


# --- the CMS SignedData ----------------------------------------------------------------


def build_signed_els(
    content: bytes,
    signer: Signer,
    signing_time: dt.datetime,
    *,
    digest: str = "sha256",
    signed_attributes: bool = True,
    include_certificate: bool = True,
    extra_certificates: tuple[x509.Certificate, ...] = (),
    content_oid: str = ELS_CONTENT_OID,
) -> bytes:
    """EF.ELS: a DER ContentInfo/SignedData over `content`, signed by `signer`.

    With signed attributes (the default, and what an extension writes) the signature
    covers content type, message digest and signing time (RFC 5652 §5.4); the signer's
    certificate is embedded so any reader can check the file on its own.
    """
    cert = signer.certificate
    signer_asn1 = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    signer_info = {
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
            "issuer": signer_asn1.issuer, "serial_number": signer_asn1.serial_number,
        })}),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": digest}),
        "signature_algorithm": algos.SignedDigestAlgorithm(
            {"algorithm": _signature_algorithm(cert, digest)}),
    }
    if signed_attributes:
        attributes = cms.CMSAttributes([
            cms.CMSAttribute({"type": "content_type", "values": [content_oid]}),
            cms.CMSAttribute({"type": "signing_time", "values": [_cms_time(signing_time)]}),
            cms.CMSAttribute({"type": "message_digest",
                              "values": [hashlib.new(digest, content).digest()]}),
        ])
        signer_info["signed_attrs"] = attributes
        to_sign = attributes.dump()  # the SET OF form, as RFC 5652 §5.4 asks
    else:
        to_sign = content
    signer_info["signature"] = signer.sign(to_sign, digest)
    certificates = [signer_asn1] if include_certificate else []
    certificates += [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                     for c in extra_certificates]
    signed_data = {
        "version": "v1",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": digest})],
        "encap_content_info": {"content_type": content_oid,
                               "content": core.OctetString(content, explicit=0)},
        "signer_infos": [cms.SignerInfo(signer_info)],
    }
    if certificates:
        signed_data["certificates"] = certificates
    return cms.ContentInfo({
        "content_type": "signed_data", "content": cms.SignedData(signed_data),
    }).dump()


def _signature_algorithm(cert: x509.Certificate, digest: str) -> str:
    public_key = cert.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        return "rsassa_pkcs1v15"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"{digest}_ecdsa"
    raise SigningError(f"cannot sign with a {type(public_key).__name__} key")


def _cms_time(moment: dt.datetime) -> cms.Time:
    """UTCTime until 2049, GeneralizedTime after (RFC 5652 §11.3)."""
    moment = moment.astimezone(dt.UTC).replace(microsecond=0)
    if 1950 <= moment.year <= 2049:
        return cms.Time({"utc_time": moment})
    return cms.Time({"general_time": moment})


def check_key_matches(signer: Signer) -> None:
    """Sign a probe and check it with the certificate: a token key that is not the
    certificate's would write files no reader accepts."""
    probe = b"legitymacje: does this key belong to the certificate?"
    signature = signer.sign(probe, "sha256")
    public_key = signer.certificate.public_key()
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, probe, padding.PKCS1v15(), hashes.SHA256())
        else:
            public_key.verify(signature, probe, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise SigningError("the key on the token does not belong to the signing certificate") \
            from exc


# --- PKCS#11 ---------------------------------------------------------------------------

_libraries: dict[str, tuple[int, object]] = {}
_libraries_lock = threading.Lock()


def pkcs11_library(module_path: str):
    """The PKCS#11 module, loaded and initialised once per process (a second C_Initialize
    in one process fails; a forked child must initialise it again)."""
    import pkcs11

    with _libraries_lock:
        loaded = _libraries.get(module_path)
        if loaded is not None and loaded[0] == os.getpid():
            return loaded[1]
        try:
            if loaded is not None:
                library = loaded[1]
                library.reinitialize()
            else:
                library = pkcs11.lib(module_path)
        except (pkcs11.PKCS11Error, OSError) as exc:
            raise SigningError(f"cannot load the PKCS#11 module {module_path}: {exc}") from exc
        _libraries[module_path] = (os.getpid(), library)
        return library


class Pkcs11Signer:
    """Signs with a private key inside a PKCS#11 token, in one session kept open.

    The key is found by label and/or id (hex string or bytes). The certificate is the one
    given (PEM/DER bytes or an `x509.Certificate`) or, when none is, the certificate
    object stored on the token under the same label/id, as on a qualified-signature card.
    One signature at a time per signer, so threads may share it.
    """

    def __init__(self, module_path: str, token_label: str, pin: str | None,
                 key_label: str | None = None, key_id: bytes | str | None = None,
                 certificate: x509.Certificate | bytes | None = None) -> None:
        import pkcs11
        from pkcs11 import KeyType, ObjectClass

        if key_label is None and key_id is None:
            raise SigningError("name the signing key: a key label or a key id")
        if isinstance(key_id, str):
            key_id = bytes.fromhex(key_id)
        self._lock = threading.Lock()
        library = pkcs11_library(module_path)
        try:
            token = library.get_token(token_label=token_label)
        except pkcs11.NoSuchToken as exc:
            raise SigningError(f"no PKCS#11 token labelled {token_label!r}") from exc
        except pkcs11.PKCS11Error as exc:
            raise SigningError(f"the PKCS#11 token {token_label!r} does not answer: "
                               f"{type(exc).__name__}") from exc
        try:
            self._session = token.open(user_pin=pin)
        except pkcs11.PinIncorrect as exc:
            raise SigningError(f"wrong PIN for the token {token_label!r}") from exc
        except pkcs11.PKCS11Error as exc:
            raise SigningError(f"cannot log in to the token {token_label!r}: "
                               f"{type(exc).__name__}") from exc
        try:
            self._key = self._session.get_key(ObjectClass.PRIVATE_KEY, label=key_label,
                                              id=key_id)
            self.certificate = self._certificate(certificate, key_label, key_id)
        except (pkcs11.NoSuchKey, pkcs11.MultipleObjectsReturned) as exc:
            self.close()
            what = "no" if isinstance(exc, pkcs11.NoSuchKey) else "more than one"
            raise SigningError(f"{what} private key with label {key_label!r} / id "
                               f"{key_id.hex() if key_id else None} on {token_label!r}") from exc
        except SigningError:
            self.close()
            raise
        self._is_ec = self._key.key_type == KeyType.EC
        try:
            check_key_matches(self)
        except SigningError:
            self.close()
            raise

    def _certificate(self, given, key_label, key_id) -> x509.Certificate:
        from pkcs11 import Attribute, ObjectClass

        if isinstance(given, x509.Certificate):
            return given
        if given:
            return load_certificate(given)
        attributes = {Attribute.CLASS: ObjectClass.CERTIFICATE}
        if key_label is not None:
            attributes[Attribute.LABEL] = key_label
        if key_id is not None:
            attributes[Attribute.ID] = key_id
        for stored in self._session.get_objects(attributes):
            try:
                return load_certificate(stored[Attribute.VALUE])
            except ChipFileError:
                continue
        raise SigningError("the token holds no certificate for this key; register one")

    def sign(self, data: bytes, digest: str = "sha256") -> bytes:
        from pkcs11 import Mechanism, PKCS11Error
        from pkcs11.util.ec import encode_ecdsa_signature

        if digest not in _DIGESTS:
            raise SigningError(f"unsupported digest {digest}")
        name = f"ECDSA_{digest.upper()}" if self._is_ec else f"{digest.upper()}_RSA_PKCS"
        try:
            with self._lock:
                signature = self._key.sign(data, mechanism=getattr(Mechanism, name))
        except PKCS11Error as exc:
            raise SigningError(f"the token refused to sign: {type(exc).__name__}") from exc
        return encode_ecdsa_signature(signature) if self._is_ec else signature

    def close(self) -> None:
        session = getattr(self, "_session", None)
        if session is not None:
            self._session = None
            session.close()

    def __enter__(self) -> Pkcs11Signer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
