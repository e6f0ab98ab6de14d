"""Why the reader bridge refused a message or a request; `code` is stable for programs."""

from __future__ import annotations


class ReaderBridgeError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, status_code: int | None = None,
                 errors: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status_code = status_code or self.status_code
        self.errors = errors


class IngestRejected(ReaderBridgeError):
    """A read message that is not stored: the agent must not retry it unchanged."""


class EnrolmentRefused(ReaderBridgeError):
    code = "invalid_code"
