"""A test PKI and an EF.ELS builder, for tests, the demo, the virtual card and benchmarks.

Never used to sign real cards: the keys are generated on the fly and the CA is a toy.
Depends only on asn1crypto and cryptography (no Django), so the workstation agent's
virtual card can use it too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import cache

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from .chip import ELS_CONTENT_OID, SIGNER_PHRASES

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
) -> x509.Certificate:
    """A certificate for `key`, self-signed unless `issuer`/`issuer_key` are given."""
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
    )
    return builder.sign(issuer_key or key, hashes.SHA256())


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


def build_els_file(
    fields: ElsFields | None = None,
    *,
    signer_key,
    signer_cert: x509.Certificate,
    digest: str = "sha256",
    signed_attributes: bool = True,
    include_certificate: bool = True,
    extra_certificates: tuple[x509.Certificate, ...] = (),
    content_oid: str = ELS_CONTENT_OID,
    content: bytes | None = None,
    signing_time: dt.datetime | None = None,
) -> bytes:
    """A DER ContentInfo/SignedData like EF.ELS, signed by `signer_key`.

    `content` replaces the encoded fields (for variants and broken data).
    """
    econtent = content if content is not None else build_els_content(fields or ElsFields())
    # SHA-1 only because old cards were signed with it.
    hash_algorithm = {"sha1": hashes.SHA1(), "sha256": hashes.SHA256()}[digest]  # noqa: S303
    signer_asn1 = asn1_x509.Certificate.load(signer_cert.public_bytes(serialization.Encoding.DER))
    signer_info = {
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
            "issuer": signer_asn1.issuer, "serial_number": signer_asn1.serial_number,
        })}),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": digest}),
    }
    if signed_attributes:
        moment = signing_time or signer_cert.not_valid_before_utc + dt.timedelta(days=1)
        attributes = cms.CMSAttributes([
            cms.CMSAttribute({"type": "content_type", "values": [content_oid]}),
            cms.CMSAttribute({"type": "signing_time",
                              "values": [cms.Time({"utc_time": moment})]}),
            cms.CMSAttribute({"type": "message_digest",
                              "values": [hashlib.new(digest, econtent).digest()]}),
        ])
        signer_info["signed_attrs"] = attributes
        to_sign = attributes.dump()
    else:
        to_sign = econtent
    if isinstance(signer_key, ec.EllipticCurvePrivateKey):
        signature = signer_key.sign(to_sign, ec.ECDSA(hash_algorithm))
        signer_info["signature_algorithm"] = algos.SignedDigestAlgorithm(
            {"algorithm": f"{digest}_ecdsa"})
    else:
        signature = signer_key.sign(to_sign, padding.PKCS1v15(), hash_algorithm)
        signer_info["signature_algorithm"] = algos.SignedDigestAlgorithm(
            {"algorithm": "rsassa_pkcs1v15"})
    signer_info["signature"] = signature
    certificates = [signer_asn1] if include_certificate else []
    certificates += [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                     for c in extra_certificates]
    signed_data = {
        "version": "v1",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": digest})],
        "encap_content_info": {"content_type": content_oid,
                               "content": core.OctetString(econtent, explicit=0)},
        "signer_infos": [cms.SignerInfo(signer_info)],
    }
    if certificates:
        signed_data["certificates"] = certificates
    return cms.ContentInfo({
        "content_type": "signed_data", "content": cms.SignedData(signed_data),
    }).dump()


def build_test_els_file(fields: ElsFields | None = None, *, kind: str = "ELS",
                        pki: TestPki | None = None, **options) -> bytes:
    """An EF.ELS signed by the (shared) test PKI's signer for `kind`."""
    key, cert = (pki or shared_test_pki()).signer(kind)
    return build_els_file(fields, signer_key=key, signer_cert=cert, **options)
