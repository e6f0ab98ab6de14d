"""Processing a stored read: verification, identification, comparison, diagnosis, attachment."""

from __future__ import annotations

import datetime as dt

import pytest

from django.urls import reverse
from django.utils import timezone

from cards.chip_testing import ElsFields, build_test_els_file, make_test_pki, shared_test_pki
from reader_bridge.models import CardRead, Diagnosis, ProcessingState
from reader_bridge.processing import pending_reads_process, read_process
from reader_bridge.services import pending_reads_resend, read_ingest
from tests.factories import CardFactory

from .factories import (
    ReaderDeviceFactory,
    ReadRequestFactory,
    chip_fields,
    read_body,
    signed_headers,
    trust,
)

pytestmark = pytest.mark.django_db



@pytest.fixture
def trusted_ca(db):
    return trust(shared_test_pki().ca_cert)



def ingest(device, body: bytes, *, received_at=None) -> CardRead:
    headers = signed_headers(device, body)
    read_id, _created = read_ingest(device_id=str(device.pk),
                                    signature=headers["HTTP_X_READER_SIGNATURE"], body=body,
                                    now=received_at)
    return CardRead.objects.get(pk=read_id)


def process(device, **body_options) -> CardRead:
    read = ingest(device, read_body(**body_options), received_at=body_options.get("sent_at"))
    return read_process(read.pk)


def test_genuine_card_matching_the_records_is_ok(device, card, trusted_ca, no_processing):
    read = process(device, fields=chip_fields(card))

    assert (read.diagnosis, read.card, read.state) == (Diagnosis.OK, card, ProcessingState.DONE)
    assert read.result["chip"]["data"]["chip_serial"] == card.chip_serial
    assert read.result["problems"] == []
    assert read.result["comparison"]["mismatches"] == []


def test_the_stored_result_and_the_admin_show_the_chip_pesel_only_masked(
        client, admin_user, device, card, trusted_ca, no_processing):
    read = process(device, fields=chip_fields(card))
    pesel = card.holder.pesel

    assert read.result["chip"]["data"]["pesel"] == card.holder.masked_pesel
    assert pesel not in str(CardRead.objects.get(pk=read.pk).result)
    client.force_login(admin_user)
    page = client.get(reverse("admin:reader_bridge_cardread_change", args=[read.pk]))
    assert page.status_code == 200 and card.holder.masked_pesel in page.content.decode()
    assert pesel not in page.content.decode()


def test_processing_twice_changes_nothing(device, card, trusted_ca, no_processing):
    read = process(device, fields=chip_fields(card))
    processed_at = read.processed_at

    again = read_process(read.pk)

    assert again.processed_at == processed_at


def test_expired_card_is_to_be_extended(device, card, trusted_ca, no_processing):
    expired = timezone.localdate() - dt.timedelta(days=1)

    read = process(device, fields=chip_fields(card, valid_until=expired))

    assert read.diagnosis == Diagnosis.EXPIRED
    assert "validity on the chip" in read.result["comparison"]["notes"][0]


def test_tampered_chip_data_is_a_possible_forgery(device, card, trusted_ca, no_processing):
    els = build_test_els_file(chip_fields(card)).replace(card.holder.first_name.encode(),
                                                         b"Xan")
    read = process(device, els=els)

    assert read.diagnosis == Diagnosis.INVALID_SIGNATURE
    assert read.card == card


def test_chip_serial_read_from_the_chip_must_match_the_data(device, card, trusted_ca,
                                                             no_processing):
    read = process(device, fields=chip_fields(card), chip_serial="04FFFFFFFF")

    assert read.diagnosis == Diagnosis.INVALID_SIGNATURE
    assert "04FFFFFFFF" in read.diagnosis_detail


def test_signed_by_an_untrusted_ca_is_an_unknown_issuer(device, card, trusted_ca, no_processing):
    rogue = make_test_pki(ca_name="Rogue CA")
    read = process(device, els=build_test_els_file(chip_fields(card), pki=rogue))

    assert read.diagnosis == Diagnosis.UNKNOWN_ISSUER


def test_without_any_trusted_certificate_every_card_is_of_unknown_issuer(device, card,
                                                                          no_processing):
    read = process(device, fields=chip_fields(card))

    assert read.diagnosis == Diagnosis.UNKNOWN_ISSUER


def test_genuine_card_missing_from_the_system_is_unknown(device, trusted_ca, no_processing):
    read = process(device, fields=ElsFields(chip_serial="04DEADBEEF"))

    assert (read.diagnosis, read.card) == (Diagnosis.UNKNOWN_CARD, None)


def test_chip_data_of_another_person_is_a_data_mismatch(device, card, trusted_ca, no_processing):
    read = process(device, fields=chip_fields(card, pesel="03220100006", album_number="999"))

    assert read.diagnosis == Diagnosis.DATA_MISMATCH
    assert "PESEL" in read.diagnosis_detail and "album" in read.diagnosis_detail


def test_unreadable_chip_file_is_a_card_problem(device, card, trusted_ca, no_processing):
    read = process(device, els=b"\x30\x82\x04\x00garbage")

    assert read.diagnosis == Diagnosis.CARD_TO_READER
    assert read.result["error"]["code"] == "malformed"


def test_no_reader_is_a_reader_to_computer_problem(device, no_processing):
    read = process(device, outcome="no_reader", atr=None, failed_step="list_readers")

    assert read.diagnosis == Diagnosis.READER_TO_COMPUTER


def test_no_atr_on_connect_is_the_card_not_the_reader(device, no_processing):
    read = process(device, outcome="no_atr", failed_step="connect", atr=None)

    assert read.diagnosis == Diagnosis.CARD_TO_READER


def test_no_card_in_the_reader(device, no_processing):
    assert process(device, outcome="no_card", atr=None).diagnosis == Diagnosis.NO_CARD


@pytest.mark.parametrize("outcome", ["no_atr", "apdu_error", "timeout", "removed"])
def test_card_failures_are_card_to_reader_problems(device, outcome, no_processing):
    read = process(device, outcome=outcome, failed_step="select_aid", status_word="6A82")

    assert read.diagnosis == Diagnosis.CARD_TO_READER
    assert "6A82" in read.diagnosis_detail and "not an ELS" in read.diagnosis_detail


def test_second_card_failure_on_the_same_reader_sends_the_holder_to_usos(device, no_processing):
    first = process(device, outcome="timeout", failed_step="read_binary")
    second = process(device, outcome="timeout", failed_step="read_binary")

    assert (first.diagnosis, second.diagnosis) == (
        Diagnosis.CARD_TO_READER, Diagnosis.CARD_TO_READER_AGAIN)


def test_a_success_in_between_resets_the_failure_count(device, card, trusted_ca, no_processing):
    process(device, outcome="timeout", atr=None)
    process(device, outcome="no_atr", atr=None)
    request = ReadRequestFactory(device=device, card=card)
    ok = process(device, fields=chip_fields(card))
    request2 = ReadRequestFactory(device=device, card=card)
    failed = process(device, outcome="timeout")

    assert ok.diagnosis == Diagnosis.OK and ok.request == request
    assert (failed.diagnosis, failed.card, failed.request) == (
        Diagnosis.CARD_TO_READER, card, request2)


def test_second_failure_of_the_requested_card_on_another_reader(unit, card, no_processing):
    first_reader, second_reader = ReaderDeviceFactory(unit=unit), ReaderDeviceFactory(unit=unit)
    ReadRequestFactory(device=first_reader, card=card)
    process(first_reader, outcome="no_atr", atr=None)
    ReadRequestFactory(device=second_reader, card=card)

    second = process(second_reader, outcome="no_atr", atr=None)

    assert (second.diagnosis, second.card) == (Diagnosis.CARD_TO_READER_AGAIN, card)


def test_read_attaches_to_the_pending_request_of_that_reader_only(unit, card, trusted_ca,
                                                                 no_processing):
    reader, other_reader = ReaderDeviceFactory(unit=unit), ReaderDeviceFactory(unit=unit)
    request = ReadRequestFactory(device=reader, card=card, case_id=42)
    ReadRequestFactory(device=other_reader, card=card)

    read = process(reader, fields=chip_fields(card))

    request.refresh_from_db()
    assert read.request == request and request.fulfilled_at is not None
    assert process(reader, fields=chip_fields(card)).request is None  # already fulfilled


def test_expired_request_does_not_attach(device, card, trusted_ca, no_processing):
    past = timezone.now() - dt.timedelta(minutes=20)
    ReadRequestFactory(device=device, card=card, requested_at=past,
                       expires_at=past + dt.timedelta(minutes=10))

    assert process(device, fields=chip_fields(card)).request is None


def test_request_for_another_card_notes_the_difference(device, card, trusted_ca, no_processing):
    other = CardFactory(serving_unit=card.serving_unit)
    ReadRequestFactory(device=device, card=other)

    read = process(device, fields=chip_fields(card))

    assert read.card == card
    assert f"requested card #{other.pk}" in read.diagnosis_detail


def test_sweeper_reschedules_when_reads_stay_pending(device, no_processing):
    ingest(device, read_body(outcome="no_card"))  # fresh: its task is still on its way
    assert pending_reads_resend() == 0 and no_processing == []

    ingest(device, read_body(outcome="no_card"),
           received_at=timezone.now() - dt.timedelta(minutes=5))

    assert pending_reads_resend() == 1
    assert no_processing == [1]


def test_one_task_for_a_burst_of_reads_processed_in_order(device, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr("reader_bridge.tasks.process_pending_reads_task.delay",
                        lambda: sent.append(1))
    with django_capture_on_commit_callbacks(execute=True):
        first = ingest(device, read_body(outcome="timeout", sequence=1))
        second = ingest(device, read_body(outcome="timeout", sequence=2))
    assert sent == [1]

    assert pending_reads_process() == 2

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.diagnosis, second.diagnosis) == (Diagnosis.CARD_TO_READER,
                                                   Diagnosis.CARD_TO_READER_AGAIN)


def test_a_read_that_breaks_processing_does_not_block_the_others(device, monkeypatch,
                                                                 no_processing):
    broken = ingest(device, read_body(outcome="no_card"))
    fine = ingest(device, read_body(outcome="no_card"))
    real = read_process

    def failing(read_id, **kwargs):
        if read_id == broken.pk:
            raise RuntimeError("bug")
        return real(read_id, **kwargs)

    monkeypatch.setattr("reader_bridge.processing.read_process", failing)

    assert pending_reads_process() == 2
    assert CardRead.objects.get(pk=broken.pk).state == ProcessingState.FAILED
    assert CardRead.objects.get(pk=fine.pk).state == ProcessingState.DONE


def test_broker_outage_keeps_the_read_pending(device, monkeypatch,
                                              django_capture_on_commit_callbacks):
    def broker_down():
        raise ConnectionError("redis is down")

    monkeypatch.setattr("reader_bridge.tasks.process_pending_reads_task.delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        read = ingest(device, read_body(outcome="no_card"))

    read.refresh_from_db()
    assert read.state == ProcessingState.PENDING


def test_eager_task_processes_after_commit(device, card, trusted_ca,
                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        read = ingest(device, read_body(fields=chip_fields(card)))

    read.refresh_from_db()
    assert (read.state, read.diagnosis) == (ProcessingState.DONE, Diagnosis.OK)


def test_signer_phrase_must_fit_the_identified_cards_kind(device, unit, trusted_ca,
                                                          no_processing):
    teacher_card = CardFactory(serving_unit=unit, kind="ELN")

    wrong = process(device, els=build_test_els_file(chip_fields(teacher_card), kind="ELS"))
    right = process(device, els=build_test_els_file(chip_fields(teacher_card), kind="ELN"))

    assert wrong.diagnosis == Diagnosis.INVALID_SIGNATURE
    assert "upoważnion" in wrong.diagnosis_detail
    assert right.diagnosis == Diagnosis.OK


def test_data_copied_onto_another_chip_flag_the_chip_that_was_read(device, card, trusted_ca,
                                                                    no_processing):
    carrier = CardFactory(serving_unit=card.serving_unit)

    read = process(device, fields=chip_fields(card), chip_serial=carrier.chip_serial)

    assert read.diagnosis == Diagnosis.INVALID_SIGNATURE
    assert read.card == carrier


def test_copied_data_on_a_chip_the_system_does_not_know_name_no_card(device, card, trusted_ca,
                                                                      no_processing):
    read = process(device, fields=chip_fields(card), chip_serial="04FFFFFFFF")

    assert (read.diagnosis, read.card) == (Diagnosis.INVALID_SIGNATURE, None)
