"""The ELS read's APDU logic against the virtual card's answers, without PC/SC."""

from __future__ import annotations

import pytest

from reader_bridge.agent.apdu import (
    CHUNK_T0,
    LinkError,
    ReadFailure,
    der_total_length,
    read_els_files,
)
from tests.agent.els_blob import certificate_file, els_file
from tests.agent.virtual_card import ATR_T0, CLOSE, CardBehaviour, VirtualElsCard


class CardTransport:
    """Sends APDUs straight to a virtual card; records (offset, Le) of every READ BINARY."""

    def __init__(self, content: bytes, cert: bytes | None = None, **behaviour: object) -> None:
        self.card = VirtualElsCard(0, content, cert, CardBehaviour(**behaviour))  # type: ignore[arg-type]

    def __call__(self, apdu: bytes) -> bytes:
        reply = self.card.respond(apdu)
        if reply is None:
            raise LinkError("timeout", "no answer")
        return b"" if reply is CLOSE else reply  # type: ignore[return-value]

    def reads(self) -> list[tuple[int, int]]:
        return [((a[2] << 8) | a[3], a[4]) for a in self.card.behaviour.apdus if a[1] == 0xB0]


def test_reads_der_header_first_then_chunks_up_to_exactly_its_length():
    content = els_file()
    transport = CardTransport(content)

    files = read_els_files(transport)

    assert files.els == content
    assert files.cert is None
    reads = transport.reads()
    assert reads[0] == (0, 4)
    assert all(le == 0xFF for _, le in reads[1:-1])
    assert reads[-1][0] + reads[-1][1] == len(content)  # the last chunk ends at the length
    assert set(files.timings_ms) == {"select", "read"}


def test_t0_reads_use_cautious_chunks_get_response_and_exact_le():
    content = els_file()
    transport = CardTransport(content, atr=ATR_T0, t0_style=True, max_read=0x90)

    files = read_els_files(transport, chunk=CHUNK_T0)

    assert files.els == content
    apdus = transport.card.behaviour.apdus
    assert any(apdu[1] == 0xC0 for apdu in apdus)  # GET RESPONSE after 61xx
    reads = transport.reads()
    assert max(le for _, le in reads) == CHUNK_T0
    for (offset, le), following in zip(reads, reads[1:], strict=False):
        if le > 0x90:  # refused with 6C90: the same offset again with Le = 0x90
            assert following == (offset, 0x90)


def test_card_giving_fewer_bytes_than_asked_is_read_on_from_where_it_stopped():
    content = els_file()
    transport = CardTransport(content, max_read=0x40)

    assert read_els_files(transport).els == content
    offsets = [offset for offset, _ in transport.reads()]
    assert offsets == sorted(set(offsets))


@pytest.mark.parametrize(("content", "expected"), [
    (b"\x30\x03abc", 5),
    (b"\x30\x81\x90" + bytes(0x90), 3 + 0x90),
    (b"\x30\x82\x01\x00" + bytes(0x100), 4 + 0x100),
])
def test_short_and_long_der_length_forms(content, expected):
    assert der_total_length(content[:4]) == expected
    assert read_els_files(CardTransport(content)).els == content


def test_der_length_needs_more_bytes_or_refuses_what_is_not_a_sequence():
    assert der_total_length(b"\x30") is None
    assert der_total_length(b"\x30\x83\x01") is None
    with pytest.raises(ValueError, match="tag 04"):
        der_total_length(b"\x04\x02ab")
    with pytest.raises(ValueError, match="length form 80"):
        der_total_length(b"\x30\x80")


def test_certificate_file_is_read_when_the_card_has_one():
    cert = certificate_file()

    assert read_els_files(CardTransport(els_file(), cert)).cert == cert


def test_chip_serial_comes_from_get_data_and_its_absence_is_no_failure():
    assert read_els_files(CardTransport(els_file())).chip_serial == "0478AB12CD3480"

    files = read_els_files(CardTransport(els_file(), serial=None))

    assert (files.chip_serial, files.els) == (None, els_file())


def test_card_without_the_els_application_fails_at_select_aid_with_its_status_word():
    with pytest.raises(ReadFailure) as failure:
        read_els_files(CardTransport(els_file(), aid_missing=True))

    assert (failure.value.outcome, failure.value.step, failure.value.status_word) == \
        ("apdu_error", "select_aid", "6A82")


def test_file_that_is_not_der_fails_at_read_binary_without_reading_on():
    transport = CardTransport(b"\x04\x10" + bytes(16))

    with pytest.raises(ReadFailure) as failure:
        read_els_files(transport)

    assert (failure.value.outcome, failure.value.step) == ("apdu_error", "read_binary")
    assert transport.reads() == [(0, 4)]


def test_absurd_length_is_refused_instead_of_reading_32k():
    transport = CardTransport(b"\x30\x83\x01\x00\x00" + bytes(64))

    with pytest.raises(ReadFailure, match="claims"):
        read_els_files(transport)
    assert len(transport.reads()) <= 2


def test_unanswered_read_is_a_timeout_at_read_binary():
    with pytest.raises(ReadFailure) as failure:
        read_els_files(CardTransport(els_file(), hang_at_offset=4))

    assert (failure.value.outcome, failure.value.step) == ("timeout", "read_binary")


def test_card_hanging_up_mid_read_is_removed():
    with pytest.raises(ReadFailure) as failure:
        read_els_files(CardTransport(els_file(), close_at_offset=4 + 0xFF))

    assert (failure.value.outcome, failure.value.step) == ("removed", "read_binary")
