"""The job channel: a read in an armed reader becomes a signed job; only a verified
read-back extends the card. The agent is played by signed HTTP calls."""

from __future__ import annotations

import base64
import datetime as dt
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from django.utils import timezone

from cards.models import CardState
from reader_bridge.extension import extension_session_start
from reader_bridge.models import ChipWriteJob, JobKind, JobState
from reader_bridge.processing import read_process
from warranty.models import Case, ExtensionError

from .agent_calls import fetch, opened_job, post_result, result_body, written
from .extension_setup import genuine_file
from .factories import ReaderDeviceFactory, deliver, read_body

pytestmark = pytest.mark.django_db


def insert(device, card, els: bytes | None = None, **body):
    """The agent posts a read of `card` (its genuine current file unless `els`)."""
    data = read_body(els=els or genuine_file(card), chip_serial=card.chip_serial, **body)
    return read_process(deliver(device, data))


@pytest.fixture
def armed(device, extendable, deans_office, no_processing):
    """The card page's "Przedłuż": the reader waits for this card; its read_els job is
    taken by the agent, which then posts the read."""
    extension_session_start(user=deans_office, device_id=device.pk, card=extendable)
    return extendable


def next_job(client, device) -> dict:
    response = fetch(client, device)
    assert response.status_code == 200, response.content
    return opened_job(response)


def write_job(client, device, card) -> dict:
    """The first job after the read_els one: the write of the new file."""
    first = next_job(client, device)
    assert first["kind"] == "read_els"
    insert(device, card)
    job = next_job(client, device)
    assert job["kind"] == "write_els"
    return job


def test_enrolment_answer_carries_the_server_key(client, unit):
    from reader_bridge.services import enrolment_code_create

    from .factories import device_key, public_pem

    code = enrolment_code_create(unit=unit).code
    response = client.post("/api/readers/enrol/", {"code": code, "name": "pc",
                                                   "public_key": public_pem(device_key())},
                           content_type="application/json")
    assert response.status_code == 201
    assert response.json()["server_public_key"].startswith("-----BEGIN PUBLIC KEY-----")


def test_read_in_an_armed_reader_gives_a_signed_write_job_and_a_verified_read_back_extends(
        client, device, armed):
    job = write_job(client, device, armed)

    assert (job["device_id"], job["chip_serial"], job["card_number"]) == (
        str(device.pk), armed.chip_serial, armed.number)
    old = genuine_file(armed)
    assert job["current_sha256"] == __import__("hashlib").sha256(old).hexdigest()
    stored = ChipWriteJob.objects.get(pk=job["job_id"])
    assert stored.state == JobState.SENT  # write in progress from the moment it went out
    armed.refresh_from_db()
    assert armed.state == CardState.ACTIVE

    response = written(client, device, job)

    assert response.json() == {"status": "verified"}
    armed.refresh_from_db()
    assert armed.state == CardState.AWAITING_HOLOGRAM
    assert armed.valid_until == stored.valid_until
    event = armed.events.get(action="extend")
    new_file = base64.b64decode(job["file"])
    assert event.details["els_sha256"] == __import__("hashlib").sha256(new_file).hexdigest()
    assert bytes(ChipWriteJob.objects.get(pk=event.details["chip_job"]).new_file) == new_file
    assert "els_file" not in event.details  # the history is shown: no chip file, no PESEL
    assert event.source == "reader"


def test_no_job_is_due_without_an_armed_reader(client, device, extendable, no_processing):
    insert(device, extendable)
    assert fetch(client, device).status_code == 204


def test_a_job_cannot_be_fetched_by_another_device(client, device, armed):
    other = ReaderDeviceFactory(unit=device.unit)
    assert fetch(client, other).status_code == 204
    assert next_job(client, device)["kind"] == "read_els"


def test_a_result_from_another_device_is_not_taken(client, device, armed):
    job = write_job(client, device, armed)
    other = ReaderDeviceFactory(unit=device.unit)
    body = result_body(job, "written", read_back=base64.b64decode(job["file"]))

    response = post_result(client, other, job["job_id"], body)

    assert response.status_code == 404
    armed.refresh_from_db()
    assert armed.state == CardState.ACTIVE


def test_an_expired_job_is_not_handed_out(client, device, armed, monkeypatch):
    later = timezone.now() + dt.timedelta(minutes=3)
    monkeypatch.setattr("reader_bridge.job_channel.timezone.now", lambda: later)

    response = fetch(client, device, timestamp=later)

    assert response.status_code == 204
    assert ChipWriteJob.objects.get().state == JobState.EXPIRED


def test_a_replayed_nonce_is_refused(client, device, armed):
    nonce = str(uuid.uuid4())
    assert fetch(client, device, nonce=nonce).status_code == 200

    again = fetch(client, device, nonce=nonce)

    assert again.status_code == 409
    assert again.json()["code"] == "replay"


@pytest.mark.parametrize("problem", ["clock", "signature", "device"])
def test_a_poll_that_is_not_the_devices_own_is_refused(client, device, armed, problem):
    options = {"clock": {"timestamp": timezone.now() - dt.timedelta(minutes=6)},
               "signature": {"key": Ed25519PrivateKey.generate()},
               "device": {}}[problem]
    target = ReaderDeviceFactory(unit=device.unit, revoked_at=timezone.now()) if (
        problem == "device") else device

    response = fetch(client, target, **options)

    assert response.status_code in (400, 403)
    assert ChipWriteJob.objects.get().state == JobState.READY


@pytest.mark.parametrize(("changed", "code"), [
    ({"chip_serial": "04FFFFFFFFFFFF"}, "wrong_chip"),
    ({"job_id": "7f1c7c1e-0000-4000-8000-00000000abcd"}, "wrong_job"),
])
def test_a_result_for_another_chip_or_another_job_is_rejected(client, device, armed, changed,
                                                              code):
    job = write_job(client, device, armed)
    body = result_body({**job, **changed}, "written", read_back=base64.b64decode(job["file"]))

    response = post_result(client, device, job["job_id"], body)

    assert (response.status_code, response.json()["code"]) == (400, code)
    armed.refresh_from_db()
    assert armed.state == CardState.ACTIVE
    assert ChipWriteJob.objects.get(pk=job["job_id"]).state == JobState.SENT


def test_a_read_back_one_byte_off_leaves_the_card_unextended(client, device, armed):
    job = write_job(client, device, armed)
    changed = bytearray(base64.b64decode(job["file"]))
    changed[-1] ^= 0x01

    response = written(client, device, job, read_back=bytes(changed))

    assert response.json() == {"status": "rejected"}
    armed.refresh_from_db()
    assert armed.state == CardState.ACTIVE
    assert ChipWriteJob.objects.get(pk=job["job_id"]).outcome["torn"] is True


def test_a_read_back_that_fails_the_signature_leaves_the_card_unextended(
        client, device, armed, monkeypatch):
    from cards.chip_testing import build_els_file, make_test_pki

    from . import extension_setup

    stranger_key, stranger_cert = make_test_pki().signer("ELS")  # not trusted here
    monkeypatch.setattr("reader_bridge.extension.eseal_sign", lambda cert, content:
                        build_els_file(content=content, signer_key=stranger_key,
                                       signer_cert=stranger_cert))
    job = write_job(client, device, armed)
    assert extension_setup  # the fixture module stays imported

    response = written(client, device, job)

    assert response.json() == {"status": "rejected"}
    armed.refresh_from_db()
    assert armed.state == CardState.ACTIVE


def test_the_same_result_twice_is_received_once(client, device, armed):
    job = write_job(client, device, armed)
    first = written(client, device, job)
    again = written(client, device, job)

    assert (first.json(), again.json()) == ({"status": "verified"}, {"status": "already_received"})
    armed.refresh_from_db()
    assert armed.events.filter(action="extend").count() == 1


def test_torn_write_is_finished_by_the_next_read(client, device, armed):
    """The card was pulled out after the write but before the result went out: the next
    read finds the new file on the chip, and that read-back verifies the extension."""
    job = write_job(client, device, armed)

    insert(device, armed, els=base64.b64decode(job["file"]))

    armed.refresh_from_db()
    assert armed.state == CardState.AWAITING_HOLOGRAM
    assert ChipWriteJob.objects.get(pk=job["job_id"]).state == JobState.VERIFIED


def test_torn_write_with_the_old_file_still_there_is_written_again(client, device, armed):
    job = write_job(client, device, armed)
    post_result(client, device, job["job_id"],
                result_body(job, "failed", failed_step="update_binary", detail="removed"))

    insert(device, armed)  # the chip still holds the old file

    again = next_job(client, device)
    assert again["kind"] == "write_els" and again["job_id"] != job["job_id"]
    assert again["file"] == job["file"]
    assert written(client, device, again).json() == {"status": "verified"}
    armed.refresh_from_db()
    assert armed.events.filter(action="extend").count() == 1


def test_torn_garbage_on_the_chip_is_overwritten_with_the_new_file(client, device, armed):
    job = write_job(client, device, armed)
    new = base64.b64decode(job["file"])
    torn = new[:-50] + genuine_file(armed)[-50:]
    assert torn != new
    post_result(client, device, job["job_id"], result_body(job, "failed",
                                                           failed_step="update_binary"))

    insert(device, armed, els=torn)

    again = next_job(client, device)
    assert again["file"] == job["file"]
    assert again["current_sha256"] == __import__("hashlib").sha256(torn).hexdigest()


def test_a_torn_file_that_no_longer_reads_to_its_end_is_repaired(client, device, armed):
    """The tear left a file whose DER length runs past what was written: the next read
    fails at READ BINARY, and the server sends the new file again to write over it."""
    job = write_job(client, device, armed)
    post_result(client, device, job["job_id"], result_body(job, "failed",
                                                           failed_step="update_binary"))

    insert(device, armed, els=b"", outcome="apdu_error", failed_step="read_binary",
           status_word="6B00")

    again = next_job(client, device)
    assert again["kind"] == "write_els" and again["file"] == job["file"]
    assert again["repair"] is True
    assert written(client, device, again).json() == {"status": "verified"}
    armed.refresh_from_db()
    assert armed.state == CardState.AWAITING_HOLOGRAM


def test_refusal_by_the_rules_opens_the_extension_failure_case_with_the_read(
        client, device, armed):
    armed.holder.enrolments.update(cycle_code="OLD")

    read = insert(device, armed)

    case = Case.objects.get(card=armed)
    assert case.extension_error == ExtensionError.NOT_SETTLED
    read.refresh_from_db()
    assert read.request.case_id == case.pk
    assert not ChipWriteJob.objects.filter(kind=JobKind.WRITE_ELS).exists()


def test_a_failed_read_in_the_armed_reader_is_a_card_read_failure(client, device, armed):
    insert(device, armed, els=b"", outcome="apdu_error", failed_step="read_binary",
           status_word="6F00")

    case = Case.objects.get(card=armed)
    assert case.extension_error == ExtensionError.CARD_READ_FAILED


@pytest.fixture
def at_workstation(armed):
    """The unit's certificate sits on an employee's card: the agent signs."""
    from cards.models import SigningCertificate

    SigningCertificate.objects.filter(unit=armed.serving_unit).update(key_location="workstation")


def test_a_workstation_signature_is_checked_before_its_file_is_written(
        client, device, armed, at_workstation):
    from cryptography.hazmat.primitives.serialization import Encoding

    from cards.chip_testing import build_els_file, shared_test_pki

    first = next_job(client, device)
    assert first["kind"] == "read_els"
    insert(device, armed)
    sign = next_job(client, device)
    assert sign["kind"] == "sign_els"
    key, cert = shared_test_pki().signer("ELS")
    assert sign["certificate_sha256"] == __import__("hashlib").sha256(
        cert.public_bytes(Encoding.DER)).hexdigest()
    assert fetch(client, device).status_code == 204  # nothing to write before the signature
    signed = build_els_file(content=base64.b64decode(sign["content"]), signer_key=key,
                            signer_cert=cert)

    answer = post_result(client, device, sign["job_id"],
                         result_body(sign, "signed", signed_file=signed))

    assert answer.json() == {"status": "recorded"}
    job = next_job(client, device)
    assert (job["kind"], base64.b64decode(job["file"])) == ("write_els", signed)
    assert written(client, device, job).json() == {"status": "verified"}
    armed.refresh_from_db()
    assert armed.state == CardState.AWAITING_HOLOGRAM


def test_a_workstation_signature_over_other_content_is_not_written(
        client, device, armed, at_workstation):
    from cards.chip_testing import build_test_els_file

    next_job(client, device)
    insert(device, armed)
    sign = next_job(client, device)
    other = build_test_els_file()  # signed by the right key, but not this content

    answer = post_result(client, device, sign["job_id"],
                         result_body(sign, "signed", signed_file=other))

    assert answer.json() == {"status": "rejected"}
    assert fetch(client, device).status_code == 204
    assert Case.objects.get(card=armed).extension_error == ExtensionError.EXTENSION_ERROR
    armed.refresh_from_db()
    assert armed.state == CardState.ACTIVE


def test_a_torn_write_of_a_card_no_longer_extendable_restores_the_old_file(
        client, device, armed):
    from cards.models import Card

    job = write_job(client, device, armed)
    new = base64.b64decode(job["file"])
    old = genuine_file(armed)
    post_result(client, device, job["job_id"], result_body(job, "failed",
                                                           failed_step="update_binary"))
    Card.objects.filter(pk=armed.pk).update(state=CardState.LOST)  # reported lost meanwhile

    torn = new[:-50] + old[-50:]  # new data, the tail of the old signature
    assert torn not in (new, old)
    insert(device, armed, els=torn)

    restore = next_job(client, device)
    assert (base64.b64decode(restore["file"]), restore["repair"]) == (old, True)
    assert written(client, device, restore).json() == {"status": "verified"}
    armed.refresh_from_db()
    assert armed.state == CardState.LOST
    assert not armed.events.filter(action="extend").exists()
