"""POST /api/readers/reads/ and /api/readers/enrol/: every refusal stores nothing."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from django.core.management import call_command
from django.utils import timezone

from reader_bridge.models import CardRead, EnrolmentCode, ProcessingState, ReaderDevice
from reader_bridge.services import enrolment_code_create

from .factories import (
    ReaderDeviceFactory,
    device_key,
    post_read,
    public_pem,
    read_body,
    signed_headers,
)

pytestmark = pytest.mark.django_db




def test_signed_read_is_stored_and_sent_to_processing_after_commit(
        client, device, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("reader_bridge.tasks.process_pending_reads_task.delay",
                        lambda: sent.append(1))
    body = read_body(sequence=17)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_read(client, device, body)

    assert response.status_code == 201
    read = CardRead.objects.get()
    assert response.json() == {"read_id": read.pk, "status": "accepted"}
    assert (read.sequence, read.outcome, read.state) == (17, "ok", ProcessingState.PENDING)
    assert read.body == body.decode()
    assert bytes(read.els_file).startswith(b"\x30")
    assert (read.card, read.request, read.result, read.diagnosis) == (None, None, {}, "")
    assert sent == [1]
    device.refresh_from_db()
    assert device.last_seen_at is not None


def test_retry_with_the_same_body_answers_200_and_keeps_one_row(
        client, device, no_processing, django_capture_on_commit_callbacks):
    body = read_body()
    with django_capture_on_commit_callbacks(execute=True):
        first = post_read(client, device, body)
        again = post_read(client, device, body)

    assert again.status_code == 200
    assert again.json() == {"read_id": first.json()["read_id"], "status": "already_received"}
    assert CardRead.objects.count() == 1
    assert len(no_processing) == 1


def test_same_message_id_with_a_different_body_is_a_replay(client, device, no_processing):
    message_id = str(uuid.uuid4())
    post_read(client, device, read_body(message_id=message_id, sequence=1))

    response = post_read(client, device, read_body(message_id=message_id, sequence=2))

    assert response.status_code == 409
    assert response.json()["code"] == "replay"
    assert CardRead.objects.get().sequence == 1


def test_same_message_id_from_another_device_is_its_own_read(client, device, no_processing):
    other = ReaderDeviceFactory(unit=device.unit)
    body = read_body()

    assert post_read(client, device, body).status_code == 201
    assert post_read(client, other, body).status_code == 201
    assert CardRead.objects.count() == 2


def test_body_over_64_kib_is_refused_before_anything_else(client, device, no_processing):
    body = read_body(reader_name="x" * 70_000)

    response = post_read(client, device, body)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not CardRead.objects.exists()


@pytest.mark.parametrize(
    "device_header", ["", "not-a-uuid", "3f1c2a5e-0000-4000-8000-000000000000"])
def test_unknown_device(client, device, device_header, no_processing):
    body = read_body()

    response = post_read(client, device, body, HTTP_X_READER_DEVICE=device_header)

    assert response.status_code == 403
    assert response.json()["code"] == "unknown_device"
    assert not CardRead.objects.exists()


def test_revoked_device(client, device, no_processing):
    device.revoked_at = timezone.now()
    device.save()

    response = post_read(client, device, read_body())

    assert (response.status_code, response.json()["code"]) == (403, "revoked")
    assert not CardRead.objects.exists()


@pytest.mark.parametrize("signature", ["", "not base64!", "AAAA"])
def test_bad_signature_text(client, device, signature, no_processing):
    response = post_read(client, device, read_body(), HTTP_X_READER_SIGNATURE=signature)

    assert (response.status_code, response.json()["code"]) == (403, "bad_signature")
    assert not CardRead.objects.exists()


def test_message_signed_by_another_key_is_refused(client, device, no_processing):
    body = read_body()
    headers = signed_headers(device, body, key=Ed25519PrivateKey.generate())

    response = client.post("/api/readers/reads/", data=body, content_type="application/json",
                           **headers)

    assert (response.status_code, response.json()["code"]) == (403, "bad_signature")


def test_body_changed_after_signing_is_refused(client, device, no_processing):
    body = read_body()
    headers = signed_headers(device, body)

    response = client.post("/api/readers/reads/", data=body.replace(b'"ok"', b'"no_card"'),
                           content_type="application/json", **headers)

    assert (response.status_code, response.json()["code"]) == (403, "bad_signature")
    assert not CardRead.objects.exists()


def test_invalid_json_is_refused(client, device, no_processing):
    response = post_read(client, device, b"{not json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")


@pytest.mark.parametrize(("change", "field"), [
    ({"outcome": "exploded"}, "outcome"),
    ({"message_id": "17"}, "message_id"),
    ({"sequence": -1}, "sequence"),
    ({"status_word": "6A8"}, "status_word"),
    ({"files": {"els": "@@@", "cert": None}}, "files"),
    ({"files": {"els": None, "cert": None}}, "files"),
    ({"sent_at": "2026-11-25T10:00:00"}, "sent_at"),  # no time zone
    ({"agent_version": "  "}, "agent_version"),
    ({"timings_ms": {"total": -1}}, "timings_ms"),
])
def test_schema_errors_name_the_field(client, device, change, field, no_processing):
    body = json.loads(read_body())
    body.update(change)

    response = post_read(client, device, json.dumps(body).encode())

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["detail"]
    assert not CardRead.objects.exists()


def test_field_errors_are_nested_like_the_message(client, device, no_processing):
    body = json.loads(read_body())
    body["files"] = {"els": "@@@", "cert": base64.b64encode(b"x" * (16 * 1024 + 1)).decode()}

    detail = post_read(client, device, json.dumps(body).encode()).json()["detail"]

    assert detail == {"files": {"els": ["Nieprawidłowe dane base64."],
                                "cert": ["Plik przekracza dopuszczalny rozmiar."]}}


def test_body_in_another_encoding_than_utf8_is_refused(client, device, no_processing):
    body = read_body().decode().encode("utf-16")

    response = post_read(client, device, body)

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert not CardRead.objects.exists()


def test_json_that_is_not_an_object_is_refused(client, device, no_processing):
    response = post_read(client, device, b"[1, 2]")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_read_older_than_seven_days_is_stale(client, device, no_processing):
    body = read_body(sent_at=timezone.now() - dt.timedelta(days=7, minutes=1))

    response = post_read(client, device, body)

    assert (response.status_code, response.json()["code"]) == (400, "stale")
    assert not CardRead.objects.exists()


def test_late_delivery_inside_the_window_is_accepted(client, device, no_processing):
    body = read_body(sent_at=timezone.now() - dt.timedelta(days=6))

    assert post_read(client, device, body).status_code == 201


def test_read_from_the_future_is_refused(client, device, no_processing):
    body = read_body(sent_at=timezone.now() + dt.timedelta(minutes=6))

    response = post_read(client, device, body)

    assert (response.status_code, response.json()["code"]) == (400, "future")
    assert post_read(client, device, read_body(
        sent_at=timezone.now() + dt.timedelta(minutes=4))).status_code == 201


def test_ingest_uses_a_fixed_number_of_queries(client, device, no_processing,
                                               django_assert_max_num_queries):
    post_read(client, device, read_body())  # loads the device key, sets last_seen_at

    # The insert, in a savepoint because the test runs in a transaction.
    with django_assert_max_num_queries(3):
        assert post_read(client, device, read_body()).status_code == 201


def test_get_is_not_allowed(client):
    assert client.get("/api/readers/reads/").status_code in (403, 405)


# --- enrolment ---


def test_enrolment_consumes_the_code_and_registers_the_key(client, unit):
    code = enrolment_code_create(unit=unit)
    pem = public_pem(Ed25519PrivateKey.generate())

    response = client.post("/api/readers/enrol/", data={
        "code": code.code.lower(), "public_key": pem, "name": "pc-17"},
        content_type="application/json")

    assert response.status_code == 201
    device = ReaderDevice.objects.get(pk=response.json()["device_id"])
    assert (device.name, device.unit, device.public_key_pem) == ("pc-17", unit, pem.strip())
    code.refresh_from_db()
    assert code.used_at is not None and code.device == device


def _enrol(client, code: str, pem: str | None = None):
    return client.post("/api/readers/enrol/", data={
        "code": code, "public_key": pem or public_pem(Ed25519PrivateKey.generate()),
        "name": "pc"}, content_type="application/json")


def test_used_code_is_refused(client, unit):
    code = enrolment_code_create(unit=unit)
    assert _enrol(client, code.code).status_code == 201

    response = _enrol(client, code.code)

    assert (response.status_code, response.json()["code"]) == (400, "invalid_code")
    assert ReaderDevice.objects.count() == 1


def test_expired_or_unknown_code_is_refused(client, unit):
    code = enrolment_code_create(unit=unit)
    EnrolmentCode.objects.filter(pk=code.pk).update(expires_at=timezone.now())

    assert _enrol(client, code.code).status_code == 400
    assert _enrol(client, "NOPE").status_code == 400
    assert not ReaderDevice.objects.exists()


def test_a_key_that_is_not_ed25519_is_refused_and_the_code_kept(client, unit):
    from cryptography.hazmat.primitives.asymmetric import ec

    code = enrolment_code_create(unit=unit)
    response = _enrol(client, code.code, public_pem(ec.generate_private_key(ec.SECP256R1())))

    assert (response.status_code, response.json()["code"]) == (400, "invalid_key")
    code.refresh_from_db()
    assert code.used_at is None


def test_enrolment_code_command_prints_a_code_for_the_unit(unit, capsys):
    call_command("reader_enrolment_code", unit=unit.code)

    code = EnrolmentCode.objects.get()
    assert code.unit == unit
    assert code.code in capsys.readouterr().out


def test_revocation_holds_for_the_very_next_read(client, no_processing):
    """The first read leaves the device's key cached in the process; no cache is told."""
    from reader_bridge.services import device_revoke

    key = device_key()
    device = ReaderDeviceFactory(public_key_pem=public_pem(key))
    first = read_body(message_id=str(uuid.uuid4()))
    assert post_read(client, device, first, **signed_headers(device, first, key)).status_code == 201
    device_revoke(device=device)
    second = read_body(message_id=str(uuid.uuid4()))
    response = post_read(client, device, second, **signed_headers(device, second, key))
    assert response.status_code == 403 and response.json()["code"] == "revoked"


def test_the_read_store_refuses_a_field_the_model_lacks(device):
    from reader_bridge.read_store import insert_unless_revoked

    with pytest.raises(TypeError, match="no field chip_seriall"):
        insert_unless_revoked({"device_id": device.pk, "chip_seriall": "04AB"})
    assert not CardRead.objects.exists()
