"""Sends queued reads (or job results) to the server in order, each exactly as queued.

200/201: delivered, the file goes. 408, 429, 5xx or no answer: back off and retry the same
read (the same message_id, so the server stores it once). So too for a refusal of the
connection rather than the read (`https_required`: the agent's server URL or the proxy
must be fixed, and the reads wait for that). Any other 4xx: the server will never take
it; it moves to rejected/ and the next read goes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from reader_bridge.agent.backoff import Backoff
from reader_bridge.agent.outbox import Outbox, QueuedRead
from reader_bridge.agent.signing import sign
from reader_bridge.agent.state import State

log = logging.getLogger("legitymacje_reader")

READS_PATH = "/api/readers/reads/"
RETRY_LATER = {408, 429}
SETUP_REFUSALS = {"https_required"}


class Deliverer:
    """One ordered stream: `outbox` (default: the reads) posted to `path_for(body)`."""

    def __init__(self, state: State, *, backoff_first: float = 1.0,
                 backoff_max: float = 60.0, timeout: float = 10.0,
                 outbox: Outbox | None = None,
                 path_for: Callable[[bytes], str] = lambda _body: READS_PATH,
                 noun: str = "read") -> None:
        self.state = state
        self.outbox = outbox or state.outbox
        self.path_for = path_for
        self.noun = noun
        self.config = state.config()
        self.key = state.key()
        self.backoff = Backoff(backoff_first, backoff_max)
        self.wake = threading.Event()
        self.client = httpx.Client(timeout=timeout, verify=self.config.verify)

    def deliver_pending(self) -> float | None:
        """Send what is queued, in order. Returns the delay before a retry, None when done."""
        for item in self.outbox.pending():
            retry_after = self._send(item)
            if retry_after is not None:
                return retry_after
        return None

    def run(self, stop: threading.Event, idle_poll: float = 5.0) -> None:
        """Deliver until `stop`; a new read (`wake`) is sent at once unless backing off."""
        while not stop.is_set():
            try:
                delay = self.deliver_pending()
            except OSError:  # e.g. the state disk: keep the thread, try again later
                log.exception("delivery failed")
                delay = self.backoff.next_delay()
            if delay is not None:
                stop.wait(delay)
            else:
                self.wake.wait(idle_poll)
                self.wake.clear()

    def close(self) -> None:
        self.client.close()

    def _send(self, item: QueuedRead) -> float | None:
        try:
            body = item.body()
        except FileNotFoundError:  # delivered meanwhile by another process
            return None
        headers = {"Content-Type": "application/json",
                   "X-Reader-Device": self.config.device_id,
                   "X-Reader-Signature": sign(self.key, body)}
        try:
            response = self.client.post(self.config.endpoint(self.path_for(body)),
                                        content=body, headers=headers)
        except httpx.HTTPError as error:
            return self._retry(item, f"no answer: {error}")
        status = response.status_code
        if status in (200, 201):
            self.outbox.delivered(item)
            self.backoff.reset()
            self._note(item, f"delivered ({status})")
            log.info("%s %d delivered (%d)", self.noun, item.sequence, status)
            return None
        if status in RETRY_LATER or status >= 500 or status < 400:
            return self._retry(item, f"HTTP {status}", response.headers.get("Retry-After"))
        if _refusal_code(response) in SETUP_REFUSALS:
            log.error("the server refuses this connection (%s): check the server URL in %s",
                      response.text[:200], self.state.config_file)
            return self._retry(item, f"HTTP {status} {_refusal_code(response)}")
        self.outbox.reject(item, status, response.text)
        self._note(item, f"rejected ({status})")
        log.error("%s %d rejected by the server (%d): %s; kept in %s", self.noun, item.sequence,
                  status, response.text[:500], self.outbox.rejected_dir)
        return None

    def _retry(self, item: QueuedRead, reason: str, retry_after: str | None = None) -> float:
        delay = self.backoff.next_delay()
        if retry_after and retry_after.isdigit():
            delay = min(max(delay, float(retry_after)), self.backoff.maximum)
        self._note(item, f"retrying: {reason}")
        log.warning("%s %d not delivered (%s); retry in %.1f s", self.noun, item.sequence,
                    reason, delay)
        return delay

    def _note(self, item: QueuedRead, result: str) -> None:
        self.state.note_delivery(self.noun, at=datetime.now(UTC).isoformat(timespec="seconds"),
                                 sequence=item.sequence, result=result)


def _refusal_code(response: httpx.Response) -> str | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    return answer.get("code") if isinstance(answer, dict) else None
