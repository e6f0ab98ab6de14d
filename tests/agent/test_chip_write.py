"""Rewriting EF.ELS on the simulated card, without PC/SC: access condition, torn writes."""

from __future__ import annotations

from reader_bridge.agent.card_profile import CardProfile
from reader_bridge.agent.chip_write import WriteOrder, sha256_hex, write_els
from reader_bridge.agent.simulated_card import CardBehaviour, SimulatedCard
from tests.agent.els_blob import els_file

SERIAL = "0478AB12CD3480"
PIN = b"12345678"
VERIFY_PIN = CardProfile("verify-pin", 0x81, PIN)


def _card(**behaviour: object) -> SimulatedCard:
    return SimulatedCard(els_file(), behaviour=CardBehaviour(write_pin=PIN, **behaviour))  # type: ignore[arg-type]


def _order(card: SimulatedCard, new: bytes, **options: object) -> WriteOrder:
    return WriteOrder(SERIAL, sha256_hex(card.els), new, **options)  # type: ignore[arg-type]


def _new_file() -> bytes:
    return els_file(signature_size=760).replace(b"20270331", b"20280331")


def _update_apdus(card: SimulatedCard) -> list[bytes]:
    return [apdu for apdu in card.behaviour.apdus if apdu[1] == 0xD6]


def test_writes_in_chunks_after_verify_and_reads_the_file_back():
    card, new = _card(), _new_file()

    report = write_els(card.transmit, _order(card, new), VERIFY_PIN)

    assert (report.outcome, report.failed_step) == ("written", None)
    assert card.els == new and report.read_back == new
    updates = _update_apdus(card)
    assert all(apdu[4] <= 0xF0 for apdu in updates)
    assert b"".join(apdu[5:] for apdu in updates) == new
    assert [(a[2] << 8) | a[3] for a in updates] == list(range(0, len(new), 0xF0))
    first_verify = next(i for i, a in enumerate(card.behaviour.apdus) if a[1] == 0x20)
    first_update = next(i for i, a in enumerate(card.behaviour.apdus) if a[1] == 0xD6)
    assert first_verify < first_update
    assert set(report.timings_ms) == {"write", "read_back", "total"}


def test_without_the_access_condition_the_card_answers_6982_and_keeps_its_file():
    card = _card()
    old = card.els

    report = write_els(card.transmit, _order(card, _new_file()), CardProfile("none"))

    assert (report.outcome, report.failed_step, report.status_word) == \
        ("failed", "update_binary", "6982")
    assert card.els == old


def test_a_wrong_pin_stops_before_any_update():
    card = _card()

    report = write_els(card.transmit, _order(card, _new_file()),
                       CardProfile("verify-pin", 0x81, b"00000000"))

    assert (report.outcome, report.failed_step, report.status_word) == \
        ("failed", "verify", "63C2")
    assert _update_apdus(card) == []


def test_another_chip_is_not_touched():
    card = _card(serial=bytes.fromhex("04FFFFFFFFFFFF"))

    report = write_els(card.transmit, _order(card, _new_file()), VERIFY_PIN)

    assert (report.outcome, report.failed_step) == ("refused", "chip_serial")
    assert "04FFFFFFFFFFFF" in report.detail and not report.wrote
    assert _update_apdus(card) == []


def test_a_chip_holding_another_file_than_the_server_saw_is_not_written():
    card = _card()
    order = WriteOrder(SERIAL, sha256_hex(b"what the server saw"), _new_file())

    report = write_els(card.transmit, order, VERIFY_PIN)

    assert (report.outcome, report.failed_step) == ("refused", "current_file")
    assert _update_apdus(card) == []


def test_a_chip_already_holding_the_new_file_is_only_read_back():
    card, new = _card(), _new_file()
    order = _order(card, new)
    card.files[b"\x00\x02"][:] = new

    report = write_els(card.transmit, order, VERIFY_PIN)

    assert report.outcome == "written" and not report.wrote
    assert _update_apdus(card) == []


def test_a_torn_write_is_reported_failed_and_finished_when_resumed():
    card, new = _card(tear_at_write=3), _new_file()
    order = _order(card, new)

    torn = write_els(card.transmit, order, VERIFY_PIN)

    assert (torn.outcome, torn.failed_step) == ("failed", "update_binary")
    assert torn.detail.startswith("removed") and torn.read_back is None
    assert card.els not in (new, els_file())
    # Inserted again: the same order would be refused (the chip is neither old nor new) …
    card.behaviour.tear_at_write = None
    card.power_on()
    assert write_els(card.transmit, order, VERIFY_PIN).failed_step == "current_file"
    # … unless the agent knows it began this very write itself.
    card.power_on()
    resumed = write_els(card.transmit, WriteOrder(SERIAL, order.current_sha256, new,
                                                  resuming=True), VERIFY_PIN)
    assert resumed.outcome == "written" and card.els == new
