"""Reader devices with real Ed25519 keys, and signed read messages as the agent sends them."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from functools import cache

import factory
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from django.utils import timezone

from cards.chip_testing import ElsFields, build_test_els_file
from reader_bridge.models import ReaderDevice, ReadRequest, TrustedCertificate
from reader_bridge.services import read_ingest, trusted_certificate_fields
from tests.factories import UnitFactory


@cache
def device_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_pem(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


class ReaderDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReaderDevice

    name = factory.Sequence(lambda n: f"dziekanat-pc-{n}")
    unit = factory.SubFactory(UnitFactory)
    public_key_pem = factory.LazyFunction(lambda: public_pem(device_key()))


class ReadRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReadRequest

    device = factory.SubFactory(ReaderDeviceFactory)
    requested_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.requested_at + dt.timedelta(minutes=10))


def trust(cert) -> TrustedCertificate:
    from cryptography.hazmat.primitives.serialization import Encoding

    fields = trusted_certificate_fields(cert.public_bytes(Encoding.DER))
    return TrustedCertificate.objects.create(name="Test CA", **fields)


def chip_fields(card, **changes) -> ElsFields:
    """The chip data a genuine card of this system would carry."""
    holder = card.holder
    values = {"chip_serial": card.chip_serial, "surnames": (holder.last_name,),
              "given_names": (holder.first_name,), "album_number": holder.album_number,
              "pesel": holder.pesel, "valid_until": card.valid_until}
    return ElsFields(**{**values, **changes})


def read_body(*, outcome: str = "ok", els: bytes | None = None, fields: ElsFields | None = None,
              sent_at: dt.datetime | None = None, message_id: str | None = None,
              sequence: int = 1, **extra) -> bytes:
    if outcome == "ok" and els is None:
        els = build_test_els_file(fields or ElsFields())
    moment = (sent_at or timezone.now()).astimezone(dt.UTC)
    body = {
        "message_id": message_id or str(uuid.uuid4()),
        "sent_at": moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "sequence": sequence,
        "agent_version": "1.0.0",
        "reader_name": "Virtual PCD 00 00",
        "outcome": outcome,
        "failed_step": None,
        "status_word": None,
        "atr": "3B8F8001804F0CA000000306030001000000006A",
        "files": {"els": base64.b64encode(els).decode() if els else None, "cert": None},
        "timings_ms": {"total": 5.0},
        **extra,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def signed_headers(device: ReaderDevice, body: bytes, key: Ed25519PrivateKey | None = None):
    signature = base64.b64encode((key or device_key()).sign(body)).decode()
    return {"HTTP_X_READER_DEVICE": str(device.pk), "HTTP_X_READER_SIGNATURE": signature}


def deliver(device: ReaderDevice, body: bytes) -> int:
    """The agent's signed read, delivered through the ingest service; the read's id."""
    signature = signed_headers(device, body)["HTTP_X_READER_SIGNATURE"]
    read_id, _created = read_ingest(device_id=str(device.pk), body=body, signature=signature)
    return read_id


def post_read(client, device: ReaderDevice, body: bytes, **headers):
    return client.post("/api/readers/reads/", data=body, content_type="application/json",
                       **{**signed_headers(device, body), **headers})
