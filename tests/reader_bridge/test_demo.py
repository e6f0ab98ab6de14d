"""The reader demo: a trusted CA, an enrolled reader with an agent state, reads, chip files."""

from __future__ import annotations

import io
import json

import pytest

from cards import demo as cards_demo
from reader_bridge import demo
from reader_bridge.models import CardRead, Diagnosis, ReaderDevice, TrustedCertificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_dirs(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "ELS_DIR", tmp_path / "els")
    monkeypatch.setattr(demo, "AGENT_STATE_DIR", tmp_path / "agent")
    return tmp_path


def test_demo_enrols_a_reader_and_leaves_reads_with_different_diagnoses(demo_dirs):
    cards_demo.load(io.StringIO())

    demo.load(io.StringIO())

    device = ReaderDevice.objects.get(name=demo.DEMO_READER_NAME)
    assert device.unit.staff.filter(username="dziekanat").exists()
    assert TrustedCertificate.objects.filter(name=demo.DEMO_CA_NAME, active=True).exists()
    diagnoses = set(CardRead.objects.values_list("diagnosis", flat=True))
    assert {Diagnosis.OK, Diagnosis.EXPIRED, Diagnosis.CARD_TO_READER,
            Diagnosis.READER_TO_COMPUTER, Diagnosis.INVALID_SIGNATURE} <= diagnoses
    config = json.loads((demo_dirs / "agent" / "config.json").read_text())
    assert config["device_id"] == str(device.pk)
    assert (demo_dirs / "agent" / "key.pem").stat().st_mode & 0o077 == 0
    assert (demo_dirs / "els" / "unknown-card.der").exists()
