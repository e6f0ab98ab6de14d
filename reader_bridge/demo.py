"""Reader bridge demo: a trusted test CA, an enrolled simulated reader, past reads, and
chip files the agent's `simulate` command can post.

After `make run`, in another terminal:

    .venv/bin/legitymacje-reader --state-dir var/demo-reader simulate \
        --els-file var/demo-els/<card number>.der

and watch the read appear on that card's page (log in as `dziekanat`).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import uuid
from pathlib import Path
from typing import TextIO

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from cards import rules
from cards.chip_testing import ElsFields, build_test_els_file
from cards.demo_signing import demo_eseal_certificate, demo_pki
from cards.models import Card

from .models import ReaderDevice, TrustedCertificate
from .processing import read_process
from .services import enrolment_code_create, read_ingest, trusted_certificate_add


def els_dir() -> Path:
    """Where the demo's chip files go: settings.DEMO_STATE_DIR (tests point it elsewhere, so
    `make test` never rewrites the running demo's files or its reader's key)."""
    return Path(settings.DEMO_STATE_DIR) / "demo-els"


def agent_state_dir() -> Path:
    return Path(settings.DEMO_STATE_DIR) / "demo-reader"

DEMO_CA_NAME = "Demo CA (test keys, never trust in production)"
DEMO_ESEAL_NAME = "Demo e-seal (test key, never trust in production)"
DEMO_READER_NAME = "dziekanat-demo-pc"
DEMO_SERVER = "http://127.0.0.1:8000"
DEMO_ATR = "3B8F8001804F0CA000000306030001000000006A"


def load(stdout: TextIO, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    user = get_user_model().objects.filter(username="dziekanat").first()
    unit = user.units.order_by("code").first() if user else None
    if unit is None:
        stdout.write(_("Reader demo skipped: no `dziekanat` user with a unit."))
        return
    pki = demo_pki()
    TrustedCertificate.objects.filter(name__in=(DEMO_CA_NAME, DEMO_ESEAL_NAME)).delete()
    trusted_certificate_add(name=DEMO_CA_NAME, data=pki.ca_cert.public_bytes(
        serialization.Encoding.DER))
    eseal = demo_eseal_certificate()
    if eseal is not None:  # files the demo e-seal writes verify on the next read
        trusted_certificate_add(name=DEMO_ESEAL_NAME, usage=TrustedCertificate.Usage.SEAL,
                                data=eseal.public_bytes(serialization.Encoding.DER))
    device, key = _demo_device(unit)
    cards = list(Card.objects.filter(serving_unit=unit, state="active", valid_until__gte=today)
                 .select_related("holder").order_by("kind", "number")[:4])
    files = _write_els_files(cards, pki, today)
    _past_reads(device, key, cards, files)
    code = enrolment_code_create(unit=unit)
    stdout.write(_(
        "Reader demo: reader %(reader)s enrolled for %(unit)s; chip files in %(files)s; agent "
        "state in %(state)s; a spare enrolment code %(code)s.") % {
        "reader": device.name, "unit": unit.code, "files": els_dir(),
        "state": agent_state_dir(), "code": code.code})


def _demo_device(unit) -> tuple[ReaderDevice, Ed25519PrivateKey]:
    """An enrolled device whose key sits in an agent state directory, ready to simulate."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    device = ReaderDevice.objects.create(name=DEMO_READER_NAME, unit=unit, public_key_pem=public)
    agent_state_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
    key_file = agent_state_dir() / "key.pem"
    key_file.unlink(missing_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    (agent_state_dir() / "config.json").write_text(json.dumps(
        {"server": DEMO_SERVER, "device_id": str(device.pk), "name": device.name}, indent=2))
    demo_agent_jobs_setup(agent_state_dir())
    return device, key


def demo_extension_arm(card_number: str | None = None) -> tuple[Card, Path]:
    """`make demo-extend`: arm the demo reader to extend one card of its unit (the given
    one, or the first the rules let extend) and give that card a chip file, as if it
    lay in the simulated reader. Raises ExtensionStartRefused with the rules' reason."""
    from .extension import ExtensionStartRefused, extension_session_start

    device = (ReaderDevice.objects.filter(name=DEMO_READER_NAME, revoked_at__isnull=True)
              .select_related("unit").order_by("-pk").first())
    user = get_user_model().objects.filter(username="dziekanat").first()
    if device is None or user is None:
        raise ExtensionStartRefused("no demo reader: run `make run` first (it loads the demo)")
    cards = Card.objects.filter(serving_unit=device.unit).select_related("holder") \
        .order_by("number")
    if card_number:
        card = cards.filter(number=card_number).first()
    else:
        now = timezone.now()
        card = next((candidate for candidate in cards.filter(state="active")
                     if rules.extension_refusal(candidate, timezone.localdate(now), now) is None),
                    None)
    if card is None:
        raise ExtensionStartRefused(f"no card {card_number or 'to extend'} in {device.unit.code}")
    chip_file = els_dir() / f"{card.number}.der"
    if not chip_file.exists():
        els_dir().mkdir(parents=True, exist_ok=True)
        chip_file.write_bytes(build_test_els_file(_chip_fields(card), pki=demo_pki(),
                                                  kind=card.kind))
    demo_agent_jobs_setup(agent_state_dir())
    extension_session_start(user=user, device_id=device.pk, card=card)
    return card, chip_file


def demo_agent_jobs_setup(state_dir: Path) -> None:
    """What enrolment and the workstation's set-up give a real agent for chip writes: the
    server's job key, and the card profile that opens the simulated chip for writing."""
    from reader_bridge.agent.card_profile import CardProfileFile
    from reader_bridge.agent.simulate import SIMULATED_WRITE_PIN

    from .job_signing import server_public_key_pem

    (state_dir / "server_key.pem").write_text(server_public_key_pem())
    CardProfileFile(state_dir / "card-profile.json").save(
        {"profile": "verify-pin", "key_reference": "81", "pin": SIMULATED_WRITE_PIN})


def _chip_fields(card: Card, **changes) -> ElsFields:
    holder = card.holder
    values = {"chip_serial": card.chip_serial, "surnames": (holder.last_name,),
              "given_names": (holder.first_name,), "album_number": holder.album_number or "-",
              "pesel": holder.pesel or "00000000000", "valid_until": card.valid_until}
    return ElsFields(**{**values, **changes})


def _write_els_files(cards: list[Card], pki, today: dt.date) -> dict[str, bytes]:
    """One genuine file per card, plus an expired, a forged and an unknown card."""
    els_dir().mkdir(parents=True, exist_ok=True)
    for stale in els_dir().glob("*.der"):  # signed by the previous run's demo CA
        stale.unlink()
    files: dict[str, bytes] = {}
    for card in cards:
        files[card.number] = build_test_els_file(_chip_fields(card), pki=pki, kind=card.kind)
    if cards:
        first = cards[0]
        files["expired"] = build_test_els_file(
            _chip_fields(first, valid_until=today - dt.timedelta(days=30)), pki=pki,
            kind=first.kind)
        files["forged"] = files[first.number].replace(first.holder.last_name.encode()[:3],
                                                      b"Xyz", 1)
    files["unknown-card"] = build_test_els_file(ElsFields(chip_serial="04DEMO0000FFFF"), pki=pki)
    for name, content in files.items():
        (els_dir() / f"{name}.der").write_bytes(content)
    return files


def _past_reads(device: ReaderDevice, key: Ed25519PrivateKey, cards: list[Card],
                files: dict[str, bytes]) -> None:
    """A few reads of the last hour, run through the real ingest and processing."""
    if not cards:
        return
    plans = [
        {"outcome": "ok", "els": files["expired"]},
        {"outcome": "timeout", "failed_step": "read_binary"},
        {"outcome": "no_reader", "failed_step": "connect", "atr": None},
        {"outcome": "ok", "els": files["forged"]},
        {"outcome": "ok", "els": files[cards[0].number]},
    ]
    start = timezone.now() - dt.timedelta(minutes=60)
    for sequence, plan in enumerate(plans, start=1):
        moment = start + dt.timedelta(minutes=10 * sequence)
        body = _body(sequence, moment, **plan)
        signature = base64.b64encode(key.sign(body)).decode()
        read_id, _created = read_ingest(device_id=str(device.pk), signature=signature,
                                        body=body, now=moment)
        read_process(read_id, now=moment)


def _body(sequence: int, moment: dt.datetime, *, outcome: str, els: bytes | None = None,
          failed_step: str | None = None, atr: str | None = DEMO_ATR) -> bytes:
    return json.dumps({
        "message_id": str(uuid.uuid4()),
        "sent_at": moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "sequence": sequence, "agent_version": "demo", "reader_name": "Simulated reader",
        "outcome": outcome, "failed_step": failed_step, "status_word": None, "atr": atr,
        "files": {"els": base64.b64encode(els).decode() if els else None, "cert": None},
        "timings_ms": {"total": 50.0},
    }).encode()
