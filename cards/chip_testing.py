"""A test PKI and an EF.ELS builder, for tests, the demo, the virtual card and benchmarks.

Never used to sign real cards: the keys are generated on the fly and the CA is a toy.
Depends only on asn1crypto and cryptography (no Django), so the workstation agent's
virtual card can use it too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from asn1crypto import core
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from .chip import ESEAL_QC_TYPE, QC_STATEMENTS, QC_TYPE, SIGNER_PHRASES
from .chip_signing import build_signed_els

# X.509 caps a CN at 64 characters, so the phrase is the CN and the person's name sits in
# the given-name/surname attributes.
SIGNER_COMMON_NAMES = {
    "ELS": SIGNER_PHRASES["ELS"][0],
    "ELD": SIGNER_PHRASES["ELD"][0],
    "ELN": "osoba upoważniona do wystawiania legitymacji",
}
_EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def new_key(key_type: str = "rsa"):
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_certificate(
    common_name: str,
    key,
    *,
    issuer: x509.Certificate | None = None,
    issuer_key=None,
    ca: bool = False,
    not_before: dt.datetime = _EPOCH,
    not_after: dt.datetime = _EPOCH + dt.timedelta(days=365 * 20),
    organisation: str = "Uniwersytet Testowy",
    public_key=None,
    eseal: bool = False,
) -> x509.Certificate:
    """A certificate for `key` (or only `public_key`, e.g. a key inside a token),
    self-signed unless `issuer`/`issuer_key` are given. `eseal` marks it a qualified
    e-seal (the ETSI QcType statement)."""
    public_key = public_key or key.public_key()
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if eseal:
        builder = builder.add_extension(x509.UnrecognizedExtension(
            x509.ObjectIdentifier(QC_STATEMENTS), _eseal_qc_statements()), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def _eseal_qc_statements() -> bytes:
    """qcStatements with QcCompliance and QcType eseal (ETSI EN 319 412-5)."""
    qc_type = core.Sequence(contents=core.ObjectIdentifier(ESEAL_QC_TYPE).dump())
    statements = [
        core.ObjectIdentifier("0.4.0.1862.1.1").dump(),  # QcCompliance
        core.ObjectIdentifier(QC_TYPE).dump() + qc_type.dump(),
    ]
    return core.Sequence(contents=b"".join(
        core.Sequence(contents=statement).dump() for statement in statements)).dump()


@dataclass
class TestPki:
    """A root CA and one signer per card kind (keys kept for signing)."""

    __test__ = False  # not a pytest test class

    ca_key: object
    ca_cert: x509.Certificate
    signer_keys: dict[str, object] = field(default_factory=dict)
    signer_certs: dict[str, x509.Certificate] = field(default_factory=dict)

    def signer(self, kind: str = "ELS") -> tuple[object, x509.Certificate]:
        return self.signer_keys[kind], self.signer_certs[kind]

    def ca_pem(self) -> str:
        return self.ca_cert.public_bytes(serialization.Encoding.PEM).decode()


def make_test_pki(key_type: str = "rsa", ca_name: str = "Testowe CA legitymacji") -> TestPki:
    ca_key = new_key(key_type)
    ca_cert = make_certificate(ca_name, ca_key, ca=True)
    pki = TestPki(ca_key=ca_key, ca_cert=ca_cert)
    for kind, common_name in SIGNER_COMMON_NAMES.items():
        key = new_key(key_type)
        pki.signer_keys[kind] = key
        pki.signer_certs[kind] = make_certificate(common_name, key, issuer=ca_cert,
                                                  issuer_key=ca_key)
    return pki


@cache
def shared_test_pki(key_type: str = "rsa") -> TestPki:
    """One PKI per process: RSA key generation is the slow part of the tests."""
    return make_test_pki(key_type)


@cache
def shared_test_eseal(key_type: str = "ec") -> tuple[object, x509.Certificate]:
    """A university e-seal (key, certificate) issued by the shared test PKI's CA."""
    pki = shared_test_pki()
    key = new_key(key_type)
    return key, make_certificate("Uniwersytet Testowy", key, issuer=pki.ca_cert,
                                 issuer_key=pki.ca_key, eseal=True)


@dataclass(frozen=True)
class ElsFields:
    chip_serial: str = "04A1000000001"
    university: str = "Uniwersytet Testowy"
    surnames: tuple[str, ...] = ("Kowalska",)
    given_names: tuple[str, ...] = ("Anna", "Maria")
    album_number: str = "100001"
    album_series: str = "UT"
    pesel: str = "03220100006"
    valid_until: dt.date = dt.date(2027, 3, 31)
    version: int = 1


class _Names(core.SequenceOf):
    _child_spec = core.UTF8String


def build_els_content(fields: ElsFields) -> bytes:
    """The eContent: a DER SEQUENCE of the card fields, in the order real cards use."""
    moment = dt.datetime.combine(fields.valid_until, dt.time(), tzinfo=dt.UTC)
    elements = [
        core.Integer(fields.version),
        core.PrintableString(fields.chip_serial),
        core.UTF8String(fields.university),
        _Names(list(fields.surnames)),
        _Names(list(fields.given_names)),
        core.PrintableString(fields.album_number),
        core.PrintableString(fields.album_series),
        core.PrintableString(fields.pesel),
        core.GeneralizedTime(moment),
    ]
    return _der_sequence(element.dump() for element in elements)


def _der_sequence(parts) -> bytes:
    body = b"".join(parts)
    return b"\x30" + _der_length(len(body)) + body


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


class SoftwareSigner:
    """A test key in memory behind the same interface as `Pkcs11Signer` (tests only)."""

    def __init__(self, key, certificate: x509.Certificate) -> None:
        self.key = key
        self.certificate = certificate

    def sign(self, data: bytes, digest: str = "sha256") -> bytes:
        # SHA-1 only because old cards were signed with it.
        hash_algorithm = {"sha1": hashes.SHA1(), "sha256": hashes.SHA256()}[digest]  # noqa: S303
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            return self.key.sign(data, ec.ECDSA(hash_algorithm))
        return self.key.sign(data, padding.PKCS1v15(), hash_algorithm)


def build_els_file(
    fields: ElsFields | None = None,
    *,
    signer_key,
    signer_cert: x509.Certificate,
    content: bytes | None = None,
    signing_time: dt.datetime | None = None,
    **options,
) -> bytes:
    """A DER ContentInfo/SignedData like EF.ELS, signed by `signer_key`.

    `content` replaces the encoded fields (for variants and broken data); `options` go to
    `chip_signing.build_signed_els` (digest, signed_attributes, include_certificate, ...).
    """
    econtent = content if content is not None else build_els_content(fields or ElsFields())
    moment = signing_time or signer_cert.not_valid_before_utc + dt.timedelta(days=1)
    return build_signed_els(econtent, SoftwareSigner(signer_key, signer_cert), moment, **options)


def build_test_els_file(fields: ElsFields | None = None, *, kind: str = "ELS",
                        pki: TestPki | None = None, **options) -> bytes:
    """An EF.ELS signed by the (shared) test PKI's signer for `kind`."""
    key, cert = (pki or shared_test_pki()).signer(kind)
    return build_els_file(fields, signer_key=key, signer_cert=cert, **options)
