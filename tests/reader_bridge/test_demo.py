"""The reader demo: a trusted CA, an enrolled reader with an agent state, reads, chip files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from django.conf import settings as django_settings

from cards import demo as cards_demo
from reader_bridge import demo
from reader_bridge.models import CardRead, Diagnosis, ReaderDevice, TrustedCertificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_dirs(settings):
    return settings.DEMO_STATE_DIR


def test_demo_enrols_a_reader_and_leaves_reads_with_different_diagnoses(demo_dirs):
    running_demo_key = Path(django_settings.BASE_DIR) / "var" / "demo-reader" / "key.pem"
    key_before = running_demo_key.read_bytes() if running_demo_key.exists() else None
    cards_demo.load(io.StringIO())

    demo.load(io.StringIO())

    device = ReaderDevice.objects.get(name=demo.DEMO_READER_NAME)
    assert device.unit.staff.filter(username="dziekanat").exists()
    assert TrustedCertificate.objects.filter(name=demo.DEMO_CA_NAME, active=True).exists()
    diagnoses = set(CardRead.objects.values_list("diagnosis", flat=True))
    assert {Diagnosis.OK, Diagnosis.EXPIRED, Diagnosis.CARD_TO_READER,
            Diagnosis.READER_TO_COMPUTER, Diagnosis.INVALID_SIGNATURE} <= diagnoses
    config = json.loads((demo_dirs / "demo-reader" / "config.json").read_text())
    assert config["device_id"] == str(device.pk)
    assert (demo_dirs / "demo-reader" / "key.pem").stat().st_mode & 0o077 == 0
    assert (demo_dirs / "demo-els" / "unknown-card.der").exists()
    # `make test` leaves the running demo's reader key alone (make demo-read keeps working)
    assert (running_demo_key.read_bytes() if running_demo_key.exists() else None) == key_before
