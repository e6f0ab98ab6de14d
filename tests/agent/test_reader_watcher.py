"""The status loop's decisions, driven by scripted SCardGetStatusChange answers.

vpcd readers are fixed by configuration, so readers coming and going, a card swapped
between two calls (event counter) and a lost pcscd are played here with a fake PC/SC.
"""

from __future__ import annotations

import threading

import pytest

pytestmark = pytest.mark.pcsc  # needs pyscard (its constants), not pcscd

PRESENT, EMPTY, CHANGED, INUSE, UNKNOWN = 0x20, 0x10, 0x02, 0x100, 0x04


def _present(counter: int, extra: int = 0) -> int:
    return (counter << 16) | PRESENT | CHANGED | extra


class ScriptedPcsc:
    """Answers each SCardGetStatusChange with the next scripted step."""

    def __init__(self, steps, readers) -> None:
        self.steps = list(steps)
        self.readers = list(readers)
        self.contexts = 0
        self.requests: list[list[str]] = []
        self.stop = threading.Event()

    def establish(self, scope):
        self.contexts += 1
        return 0, self.contexts

    def list_readers(self, context, groups):
        return (0, list(self.readers)) if self.readers else (0x8010002E, [])

    def get_status_change(self, context, timeout, states):
        self.requests.append([reader for reader, _ in states])
        if not self.steps:
            self.stop.set()
            return 0x8010000A, []
        step = self.steps.pop(0)
        if callable(step):
            return step(self)
        return 0, [(reader, step.get(reader, state & ~CHANGED), []) for reader, state in states]


@pytest.fixture
def watch(monkeypatch):
    from reader_bridge.agent import pcsc

    def run(steps, readers=("A",), on_card=None):
        fake = ScriptedPcsc(steps, readers)
        for name, function in [("SCardEstablishContext", fake.establish),
                               ("SCardListReaders", fake.list_readers),
                               ("SCardGetStatusChange", fake.get_status_change),
                               ("SCardReleaseContext", lambda context: 0)]:
            monkeypatch.setattr(pcsc.scard, name, function)
        cards, mutes = [], []
        pcsc.ReaderWatcher(on_card or cards.append, mutes.append, fake.stop).run()
        return cards, mutes, fake

    return run


def test_card_present_at_start_and_a_swap_between_calls_are_both_read(watch):
    cards, _, _ = watch([
        {"A": _present(1)},
        {"A": _present(1, INUSE)},   # our own connection: not a new card
        {"A": _present(3)},          # removed and inserted again between two calls
        {"A": (4 << 16) | EMPTY | CHANGED},
    ])

    assert cards == ["A", "A"]


def test_mute_card_is_reported_without_a_read(watch):
    cards, mutes, _ = watch([{"A": _present(1, 0x200)}])

    assert (cards, mutes) == ([], ["A"])


def test_readers_coming_and_going_are_followed(watch):
    def reader_b_plugged_in(fake):
        fake.readers.append("B")
        return 0, [("\\\\?PnP?\\Notification", (2 << 16) | CHANGED, [])]

    def reader_a_unplugged(fake):
        fake.readers.remove("A")
        return 0, [("A", UNKNOWN | CHANGED, [])]

    cards, _, fake = watch([reader_b_plugged_in, {"B": _present(1)}, reader_a_unplugged, {}])

    assert cards == ["B"]
    assert fake.requests[1][1:] == ["A", "B"]
    assert fake.requests[-1][1:] == ["B"]


def test_lost_pcscd_is_reconnected_and_cards_are_read_again(watch):
    def pcscd_killed(fake):
        return 0x80100013, []

    cards, _, fake = watch([{"A": _present(1)}, pcscd_killed, {"A": _present(1)}])

    assert fake.contexts == 2
    assert cards == ["A", "A"]


def test_a_read_that_crashes_does_not_end_the_loop(watch):
    seen = []

    def crash_once(reader):
        seen.append(reader)
        if len(seen) == 1:
            raise RuntimeError("disk full")

    watch([{"A": _present(1)}, {"A": _present(2)}], on_card=crash_once)

    assert seen == ["A", "A"]
