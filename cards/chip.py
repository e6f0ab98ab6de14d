"""The chip data file (EF.ELS): parse the CMS SignedData and verify it.

`parse_els_file` turns the DER bytes into an `ElsFile` or raises a `ChipFileError`
subclass that says what is wrong with the bytes. `verify_els_file` never raises: it
returns the list of `ChipProblem`s (empty when the card checks out), so a caller can
tell an expired but genuine card from a possible forgery.

The field layout is a reconstruction (see CARD_DOMAIN.md §2): fields are matched by
position and tag, 1..n names are accepted, and whatever did not fit is kept in
`ElsData.notes` instead of failing the read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from asn1crypto import cms, core, parser
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from stdnum.pl import pesel as pesel_number

from .pesel import mask_pesel

ELS_CONTENT_OID = "1.2.616.1.101.4.1.1.1"

# The phrase the signer certificate's common name must carry, per card kind.
SIGNER_PHRASES: dict[str, tuple[str, ...]] = {
    "ELS": ("osoba uprawniona do wystawiania legitymacji studenckiej",),
    "ELD": ("osoba uprawniona do wystawiania legitymacji doktoranta",),
    "ELN": ("upoważniona do wystawiania legitymacji", "upoważniony do wystawiania legitymacji"),
}

# qcStatements (RFC 3739) and the ETSI QcType that marks a qualified e-seal.
QC_STATEMENTS = "1.3.6.1.5.5.7.1.3"
QC_TYPE = "0.4.0.1862.1.6"
ESEAL_QC_TYPE = "0.4.0.1862.1.6.2"

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_MAX_CHAIN_DEPTH = 6
# What asn1crypto and the stdlib raise on bytes that are not what they claim to be.
_DECODE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError)


# --- errors while reading the bytes -------------------------------------------------


class ChipFileError(Exception):
    """The bytes are not a readable chip data file. `code` is stable, `message` explains."""

    code = "malformed"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedFile(ChipFileError):
    code = "malformed"


class NotSignedData(ChipFileError):
    """DER that parses, but is not a CMS SignedData (e.g. an unsigned data file)."""

    code = "not_signed"


class UnexpectedContent(ChipFileError):
    """SignedData whose content is missing or not a SEQUENCE of card fields."""

    code = "unexpected_content"


# --- the parsed file -----------------------------------------------------------------


@dataclass(frozen=True)
class ElsData:
    version: int | None = None
    chip_serial: str | None = None
    university: str | None = None
    surnames: tuple[str, ...] = ()
    given_names: tuple[str, ...] = ()
    album_number: str | None = None
    album_series: str | None = None
    pesel: str | None = None
    valid_until: dt.date | None = None
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        """What is stored and shown of the data: the PESEL only masked."""
        return {
            "version": self.version,
            "chip_serial": self.chip_serial,
            "university": self.university,
            "surnames": list(self.surnames),
            "given_names": list(self.given_names),
            "album_number": self.album_number,
            "album_series": self.album_series,
            "pesel": mask_pesel(self.pesel) or None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ElsFile:
    content_oid: str
    data: ElsData
    digest_algorithm: str
    signature_algorithm: str
    signature: bytes
    signed_bytes: bytes  # what the signature covers
    message_digest: bytes | None  # from the signed attributes, when present
    content: bytes
    signing_time: dt.datetime | None
    signer_certificate: x509.Certificate | None
    embedded_certificates: tuple[x509.Certificate, ...] = ()
    signer_id: dict = field(default_factory=dict)

    def summary(self) -> dict:
        cert = self.signer_certificate
        return {
            "content_oid": self.content_oid,
            "data": self.data.as_dict(),
            "digest_algorithm": self.digest_algorithm,
            "signature_algorithm": self.signature_algorithm,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "signer": describe_certificate(cert) if cert else None,
        }


@dataclass(frozen=True)
class ChipProblem:
    """One failed check of the verification checklist."""

    code: str
    message: str


# Problem codes, from the most to the least serious.
INVALID_SIGNATURE = "invalid_signature"
UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
NO_SIGNER_CERTIFICATE = "no_signer_certificate"
UNKNOWN_ISSUER = "unknown_issuer"
CERTIFICATE_NOT_VALID = "certificate_not_valid"
SIGNER_NOT_AUTHORISED = "signer_not_authorised"
CHIP_SERIAL_MISMATCH = "chip_serial_mismatch"
INVALID_PESEL = "invalid_pesel"
MISSING_FIELD = "missing_field"
EXPIRED = "expired"

FORGERY_CODES = frozenset({
    INVALID_SIGNATURE, UNSUPPORTED_ALGORITHM, NO_SIGNER_CERTIFICATE, UNKNOWN_ISSUER,
    CERTIFICATE_NOT_VALID, SIGNER_NOT_AUTHORISED, CHIP_SERIAL_MISMATCH,
})


def describe_certificate(cert: x509.Certificate) -> dict:
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial_number": format(cert.serial_number, "X"),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "sha256": fingerprint(cert),
    }


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def load_certificate(data: bytes) -> x509.Certificate:
    """A certificate from DER or PEM bytes; ChipFileError if it is neither."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except (ValueError, x509.InvalidVersion) as exc:
        raise MalformedFile(f"not an X.509 certificate: {exc}") from exc


# --- parsing ---------------------------------------------------------------------------


def parse_els_file(der: bytes, certificate_file: bytes | None = None) -> ElsFile:
    """Parse EF.ELS; `certificate_file` is the optional separate certificate EF."""
    if not der:
        raise MalformedFile("the file is empty")
    try:
        content_info = cms.ContentInfo.load(der, strict=True)
        content_type = content_info["content_type"].dotted
    except _DECODE_ERRORS as exc:
        raise MalformedFile(f"not DER-encoded CMS: {exc}") from exc
    if content_type != "1.2.840.113549.1.7.2":
        raise NotSignedData(f"the file holds CMS content {content_type}, not SignedData")
    try:
        return _parse_signed_data(content_info["content"], certificate_file)
    except ChipFileError:
        raise
    except _DECODE_ERRORS as exc:
        raise MalformedFile(f"damaged SignedData: {exc}") from exc


def _parse_signed_data(signed_data: cms.SignedData, certificate_file: bytes | None) -> ElsFile:
    encap = signed_data["encap_content_info"]
    content_oid = encap["content_type"].dotted
    content_value = encap["content"]
    if isinstance(content_value, core.Any):  # an OID asn1crypto does not know, like ELS
        content_value = content_value.parse(core.OctetString)
    content = content_value.native
    if not isinstance(content, bytes):
        raise UnexpectedContent("the SignedData carries no content (detached signature)")
    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) == 0:
        raise NotSignedData("the SignedData has no signer")
    signer_info = signer_infos[0]

    embedded = tuple(_embedded_certificates(signed_data))
    extra = (load_certificate(certificate_file),) if certificate_file else ()
    signer_id = _signer_id(signer_info["sid"])
    signer_cert = _find_signer(signer_id, embedded + extra)

    digest_algorithm = signer_info["digest_algorithm"]["algorithm"].native
    signature_algorithm = signer_info["signature_algorithm"].signature_algo
    signed_attrs = signer_info["signed_attrs"]
    message_digest = signing_time = None
    if signed_attrs.native is None or len(signed_attrs) == 0:
        signed_bytes = content
    else:
        # The signature covers the attributes re-tagged as a universal SET (RFC 5652 §5.4).
        signed_bytes = b"\x31" + signed_attrs.dump()[1:]
        for attribute in signed_attrs:
            name = attribute["type"].native
            values = attribute["values"]
            if name == "message_digest" and len(values):
                message_digest = values[0].native
            elif name == "signing_time" and len(values):
                signing_time = values[0].native
    return ElsFile(
        content_oid=content_oid,
        data=parse_els_content(content),
        digest_algorithm=digest_algorithm,
        signature_algorithm=signature_algorithm,
        signature=signer_info["signature"].native,
        signed_bytes=signed_bytes,
        message_digest=message_digest,
        content=content,
        signing_time=signing_time,
        signer_certificate=signer_cert,
        embedded_certificates=embedded + extra,
        signer_id=signer_id,
    )


def _embedded_certificates(signed_data: cms.SignedData) -> Iterable[x509.Certificate]:
    certificates = signed_data["certificates"]
    if certificates.native is None:
        return
    for choice in certificates:
        if choice.name == "certificate":
            yield load_certificate(choice.chosen.dump())


def _signer_id(sid: cms.SignerIdentifier) -> dict:
    if sid.name == "issuer_and_serial_number":
        value = sid.chosen
        return {"issuer": value["issuer"].dump(), "serial": value["serial_number"].native}
    return {"key_id": sid.chosen.native}


def _find_signer(
    signer_id: dict, candidates: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    for cert in candidates:
        if "key_id" in signer_id:
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            except x509.ExtensionNotFound:
                continue
            if ski.value.digest == signer_id["key_id"]:
                return cert
        elif cert.serial_number == signer_id["serial"] and (
            asn1_x509.Name.load(cert.issuer.public_bytes()).dump() == signer_id["issuer"]
        ):
            return cert
    # A card with only the separate certificate file and an unusual sid: take the only one.
    return candidates[0] if len(candidates) == 1 else None


# Expected fields in order: (name, kind). kinds: int, str, names, date.
_LAYOUT = (
    ("version", "int"),
    ("chip_serial", "str"),
    ("university", "str"),
    ("surnames", "names"),
    ("given_names", "names"),
    ("album_number", "str"),
    ("album_series", "str"),
    ("pesel", "str"),
    ("valid_until", "date"),
)
_STRING_TAGS = {12, 18, 19, 20, 22, 26, 27, 28, 30}  # UTF8, Numeric, Printable, T61, IA5, ...
_TAG_INTEGER, _TAG_SEQUENCE, _TAG_UTCTIME, _TAG_GENERALIZEDTIME = 2, 16, 23, 24


def _child_spans(der: bytes) -> list[tuple[int, int, int, int]]:
    """(class, tag, start, end) of each element inside one DER SEQUENCE, as offsets in `der`."""
    cls, _method, tag, header, contents, _trailer = parser.parse(der, strict=True)
    if cls != 0 or tag != _TAG_SEQUENCE:
        raise UnexpectedContent(f"the card data is not a SEQUENCE (class {cls}, tag {tag})")
    spans, offset = [], 0
    while offset < len(contents):
        c_cls, _m, c_tag, c_header, body, trailer = parser.parse(contents[offset:])
        length = len(c_header) + len(body) + len(trailer)
        start = len(header) + offset
        spans.append((c_cls, c_tag, start, start + length))
        offset += length
    return spans


def _children(der: bytes) -> list[tuple[int, int, bytes]]:
    """(class, tag, encoded bytes) of each element inside one DER SEQUENCE."""
    return [(cls, tag, der[start:end]) for cls, tag, start, end in _child_spans(der)]


def _layout_of(children: Sequence[tuple]) -> list[tuple[str, str]]:
    """The expected fields for these elements: without a leading INTEGER, no version."""
    if children and children[0][1] != _TAG_INTEGER:
        return list(_LAYOUT[1:])
    return list(_LAYOUT)


def field_span(content: bytes, name: str) -> tuple[int, int] | None:
    """Where field `name` sits in the eContent (start, end), if an element decodes as it."""
    try:
        spans = _child_spans(content)
    except _DECODE_ERRORS:
        return None
    for (field_name, kind), (cls, tag, start, end) in zip(_layout_of(spans), spans,
                                                          strict=False):
        if field_name == name and _decode(kind, cls, tag, content[start:end]) is not None:
            return start, end
    return None


def parse_els_content(content: bytes) -> ElsData:
    """The card fields from the eContent, by position and tag; misfits go to notes."""
    try:
        children = _children(content)
    except ChipFileError:
        raise
    except _DECODE_ERRORS as exc:
        raise UnexpectedContent(f"the card data is not DER: {exc}") from exc
    values: dict = {}
    notes: list[str] = []
    layout = _layout_of(children)
    if len(layout) < len(_LAYOUT):
        notes.append("no version number: fields read from the first element")
    for (name, kind), (cls, tag, encoded) in zip(layout, children, strict=False):
        value = _decode(kind, cls, tag, encoded)
        if value is None:
            notes.append(f"{name}: unexpected element (class {cls}, tag {tag})")
        else:
            values[name] = value
    for cls, tag, encoded in children[len(layout):]:
        notes.append(f"extra element after the known fields (class {cls}, tag {tag}, "
                     f"{len(encoded)} bytes)")
    for name, _kind in layout[len(children):]:
        notes.append(f"{name}: missing")
    return ElsData(**values, notes=tuple(notes))


def _decode(kind: str, cls: int, tag: int, encoded: bytes):
    if cls != 0:
        return None
    try:
        if kind == "int" and tag == _TAG_INTEGER:
            return core.Integer.load(encoded).native
        if kind in ("str", "names") and tag in _STRING_TAGS:
            text = core.load(encoded).native
            return (text,) if kind == "names" else text
        if kind == "names" and tag == _TAG_SEQUENCE:
            names = [_decode("str", c, t, e) for c, t, e in _children(encoded)]
            return tuple(name for name in names if name) or None
        if kind == "date":
            return _decode_date(tag, encoded)
    except _DECODE_ERRORS:
        return None
    return None


def _decode_date(tag: int, encoded: bytes) -> dt.date | None:
    if tag in (_TAG_GENERALIZEDTIME, _TAG_UTCTIME):
        moment = core.load(encoded).native
        return moment.date() if isinstance(moment, dt.datetime) else None
    if tag in _STRING_TAGS:
        digits = re.sub(r"\D", "", core.load(encoded).native)[:8]
        if len(digits) == 8:
            return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    return None


# --- verification ----------------------------------------------------------------------


def normalise_serial(value: str | None) -> str:
    return re.sub(r"[^0-9A-Z]", "", (value or "").upper())


def verify_els_file(
    els: ElsFile,
    *,
    trusted: Sequence[x509.Certificate],
    today: dt.date,
    chip_serial: str | None = None,
    kind: str | None = None,
    seals: Sequence[x509.Certificate] = (),
) -> list[ChipProblem]:
    """Run the verification checklist (CARD_DOMAIN.md §2); an empty list means genuine.

    `trusted` are anchors an administrator trusts; `seals` are trusted university e-seal
    certificates, which sign without the kind's phrase. `chip_serial` is the serial read
    from the chip itself, when the reader could get it.
    """
    problems = _signature_problems(els)
    cert = els.signer_certificate
    if cert is not None and not problems:
        problems += _trust_problems(els, cert, trusted, seals, kind)
    data = els.data
    if chip_serial and data.chip_serial and (
        normalise_serial(chip_serial) != normalise_serial(data.chip_serial)
    ):
        problems.append(ChipProblem(CHIP_SERIAL_MISMATCH, (
            f"the signed data names chip {data.chip_serial}, but the card read is {chip_serial}"
        )))
    for name in ("chip_serial", "pesel", "valid_until"):
        if getattr(data, name) is None:
            problems.append(ChipProblem(MISSING_FIELD, f"the chip data has no {name}"))
    if data.pesel is not None and not pesel_number.is_valid(data.pesel):
        problems.append(ChipProblem(INVALID_PESEL, "the PESEL on the chip fails its checksum"))
    if data.valid_until is not None and data.valid_until < today:
        problems.append(ChipProblem(EXPIRED, f"validity ended on {data.valid_until.isoformat()}"))
    return problems


def _signature_problems(els: ElsFile) -> list[ChipProblem]:
    cert = els.signer_certificate
    if cert is None:
        return [ChipProblem(NO_SIGNER_CERTIFICATE, "no certificate of the signer was found")]
    hash_class = _HASHES.get(els.digest_algorithm)
    if hash_class is None:
        return [ChipProblem(UNSUPPORTED_ALGORITHM,
                            f"unsupported digest algorithm {els.digest_algorithm}")]
    if els.message_digest is not None:
        actual = hashlib.new(els.digest_algorithm, els.content).digest()
        if actual != els.message_digest:
            return [ChipProblem(INVALID_SIGNATURE, "the card data was changed after signing")]
    try:
        _verify_signature(cert.public_key(), els.signature_algorithm, els.signature,
                          els.signed_bytes, hash_class())
    except InvalidSignature:
        return [ChipProblem(INVALID_SIGNATURE, "the signature does not match the card data")]
    except (UnsupportedAlgorithm, ValueError, TypeError) as exc:
        return [ChipProblem(UNSUPPORTED_ALGORITHM, f"cannot check this signature: {exc}")]
    return []


def _verify_signature(public_key, algorithm: str, signature: bytes, data: bytes,
                      hash_algorithm: hashes.HashAlgorithm) -> None:
    if isinstance(public_key, rsa.RSAPublicKey) and algorithm == "rsassa_pkcs1v15":
        public_key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
    elif isinstance(public_key, rsa.RSAPublicKey) and algorithm == "rsassa_pss":
        pss = padding.PSS(mgf=padding.MGF1(hash_algorithm), salt_length=padding.PSS.AUTO)
        public_key.verify(signature, data, pss, hash_algorithm)
    elif isinstance(public_key, ec.EllipticCurvePublicKey) and algorithm == "ecdsa":
        public_key.verify(signature, data, ec.ECDSA(hash_algorithm))
    else:
        raise UnsupportedAlgorithm(f"{algorithm} with a {type(public_key).__name__}")


def _trust_problems(els: ElsFile, cert: x509.Certificate, trusted: Sequence[x509.Certificate],
                    seals: Sequence[x509.Certificate], kind: str | None) -> list[ChipProblem]:
    problems: list[ChipProblem] = []
    moment = els.signing_time or None
    chain = _chain_to_anchor(cert, list(els.embedded_certificates), list(trusted) + list(seals))
    if chain is None:
        problems.append(ChipProblem(UNKNOWN_ISSUER, (
            f"the signer {cert.subject.rfc4514_string()} does not chain to a trusted certificate"
        )))
    elif moment is not None:
        for link in chain:
            if not link.not_valid_before_utc <= moment <= link.not_valid_after_utc:
                problems.append(ChipProblem(CERTIFICATE_NOT_VALID, (
                    f"{link.subject.rfc4514_string()} was not valid at signing time "
                    f"{moment.isoformat()}"
                )))
                break
    is_seal = fingerprint(cert) in {fingerprint(seal) for seal in seals}
    if not is_seal and signer_kind(cert, kind) is None:
        expected = " / ".join(SIGNER_PHRASES.get(kind or "", ())) or "an issuing phrase"
        problems.append(ChipProblem(SIGNER_NOT_AUTHORISED, (
            f"the signer's name does not contain “{expected}”"
        )))
    return problems


class _QcStatement(core.Sequence):
    _fields = [("statement_id", core.ObjectIdentifier),
               ("statement_info", core.Any, {"optional": True})]


class _QcStatements(core.SequenceOf):
    _child_spec = _QcStatement


class _QcTypes(core.SequenceOf):
    _child_spec = core.ObjectIdentifier


def is_eseal(cert: x509.Certificate) -> bool:
    """A qualified e-seal certificate: its QC statements give the type "eseal"
    (ETSI EN 319 412-5), so it signs for the organisation without the issuing phrase."""
    try:
        extension = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(QC_STATEMENTS))
        statements = _QcStatements.load(extension.value.value)
        for statement in statements:
            if statement["statement_id"].dotted != QC_TYPE:
                continue
            info = statement["statement_info"]
            if info.native is not None and ESEAL_QC_TYPE in {
                oid.dotted for oid in info.parse(_QcTypes)
            }:
                return True
    except x509.ExtensionNotFound:
        return False
    except _DECODE_ERRORS:
        return False
    return False


def unauthorised_kinds(cert: x509.Certificate, kinds: Iterable[str]) -> list[str]:
    """The card kinds among `kinds` this certificate may not sign: those whose phrase its
    CN lacks; none for an e-seal. The one rule for registering a signing certificate."""
    if is_eseal(cert):
        return []
    return [kind for kind in kinds if signer_kind(cert, kind) is None]


def signer_kind(cert: x509.Certificate, kind: str | None = None) -> str | None:
    """The card kind whose phrase the signer's CN carries (only `kind` when given)."""
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    common_name = " ".join(str(name.value) for name in names)
    common_name = re.sub(r"\s+", " ", common_name).casefold()
    for candidate, phrases in SIGNER_PHRASES.items():
        if kind and candidate != kind:
            continue
        if any(phrase.casefold() in common_name for phrase in phrases):
            return candidate
    return None


def _chain_to_anchor(cert: x509.Certificate, pool: list[x509.Certificate],
                     anchors: list[x509.Certificate]) -> list[x509.Certificate] | None:
    """The certificates from `cert` up to a trusted anchor, or None if there is no path."""
    anchor_prints = {fingerprint(anchor) for anchor in anchors}
    chain = [cert]
    current = cert
    for _ in range(_MAX_CHAIN_DEPTH):
        if fingerprint(current) in anchor_prints:
            return chain
        issuer = _issuer_of(current, anchors + pool)
        if issuer is None or issuer in chain:
            return None
        chain.append(issuer)
        current = issuer
    return None


def _issuer_of(
    cert: x509.Certificate, candidates: list[x509.Certificate]
) -> x509.Certificate | None:
    for candidate in candidates:
        if candidate.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(candidate)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            continue
        return candidate
    return None
