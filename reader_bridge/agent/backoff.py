"""Exponential backoff with jitter, so a fleet of workstations does not retry in step."""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, first: float, maximum: float) -> None:
        self.first = first
        self.maximum = maximum
        self.failures = 0

    def next_delay(self) -> float:
        delay = min(self.maximum, self.first * 2 ** self.failures)
        self.failures += 1
        return delay * random.uniform(0.75, 1.0)  # noqa: S311 (timing jitter, not security)

    def reset(self) -> None:
        self.failures = 0
