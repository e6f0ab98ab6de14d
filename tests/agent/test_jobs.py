"""A job is believed only when the server signed it, for this device, before it expired."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reader_bridge.agent.card_profile import ProfileError, parse_profile
from reader_bridge.agent.jobs import JobRefused, JobResult, open_job
from reader_bridge.agent.signing import public_key_pem
from tests.agent.fake_server import FakeServer

DEVICE = "6f1c1d8e-5b0a-4a57-9d8c-2c7d1b2f4e10"


@pytest.fixture
def fake() -> FakeServer:
    server = FakeServer()
    server.devices[DEVICE] = "unused"
    yield server
    server.down()


def _open(fake: FakeServer, envelope: dict):
    return open_job(envelope, public_key_pem(fake.server_key), DEVICE)


def test_a_signed_job_for_this_device_opens(fake):
    job = fake.write_job("0478AB12CD3480", b"old", b"new")

    opened = _open(fake, fake.signed(job))

    assert (opened.job_id, opened.kind, opened.file) == (job["job_id"], "write_els", b"new")
    assert opened.chip_serial == "0478AB12CD3480" and not opened.repair


def test_a_job_signed_by_another_key_is_refused_and_not_taken_for_authentic(fake):
    job = fake.write_job("0478AB12CD3480", b"old", b"new")

    with pytest.raises(JobRefused) as refused:
        _open(fake, fake.signed(job, key=Ed25519PrivateKey.generate()))

    assert refused.value.step == "signature" and not refused.value.authentic


def test_a_job_altered_after_signing_is_refused(fake):
    envelope = fake.signed(fake.write_job("0478AB12CD3480", b"old", b"new"))
    altered = json.loads(base64.b64decode(envelope["job"]))
    altered["chip_serial"] = "04FFFFFFFFFFFF"  # re-targeted at another card
    envelope["job"] = base64.b64encode(json.dumps(altered).encode()).decode()

    with pytest.raises(JobRefused, match="signature"):
        _open(fake, envelope)


def test_a_job_for_another_device_is_refused(fake):
    job = fake.write_job("0478AB12CD3480", b"old", b"new",
                         device_id="00000000-0000-4000-8000-000000000000")

    with pytest.raises(JobRefused, match="not this one") as refused:
        _open(fake, fake.signed(job))

    assert refused.value.authentic and refused.value.job_id == job["job_id"]


def test_an_expired_job_is_refused(fake):
    job = fake.write_job("0478AB12CD3480", b"old", b"new", lifetime=timedelta(seconds=-1))

    with pytest.raises(JobRefused, match="expired") as refused:
        _open(fake, fake.signed(job))

    assert refused.value.step == "expired"


@pytest.mark.parametrize("change", [{"kind": "format_card"}, {"job_id": "../../reads"},
                                    {"expires_at": "2026-12-01T08:00:00"}, {"file": None}])
def test_a_malformed_job_is_refused(fake, change):
    job = {**fake.write_job("0478AB12CD3480", b"old", b"new"), **change}

    with pytest.raises(JobRefused) as refused:
        _open(fake, fake.signed(job))

    assert refused.value.step == "job"


def test_result_body_is_the_protocol_shape():
    body = json.loads(JobResult("j", "written", "04AB", read_back=b"\x30\x00",
                                timings_ms={"total": 1.0}).encode())

    assert body["read_back"] == "MAA=" and body["signed_file"] is None
    assert {"job_id", "outcome", "chip_serial", "failed_step", "status_word", "detail",
            "timings_ms", "finished_at"} <= set(body)


def test_verify_pin_profile_pads_the_pin():
    profile = parse_profile({"profile": "verify-pin", "key_reference": "81", "pin": "1234",
                             "pad_to": 8})

    assert (profile.key_reference, profile.pin) == (0x81, b"1234\xff\xff\xff\xff")


@pytest.mark.parametrize("profile", [{}, {"profile": "guess"}, {"profile": "verify-pin"},
                                      {"profile": "verify-pin", "key_reference": "181",
                                       "pin": "1"},
                                      {"profile": "verify-pin", "key_reference": "81",
                                       "pin": "123456789", "pad_to": 8}])
def test_a_bad_profile_is_refused_with_what_to_fix(profile):
    with pytest.raises(ProfileError):
        parse_profile(profile)
