"""Why a case step did not happen. Subclasses of the card errors, so the API's exception
handler maps them to the same {"code", "detail"} shape and status codes."""

from __future__ import annotations

from cards.errors import CardActionError, CardConflict


class CaseConflict(CardConflict):
    """Someone else changed the case in the meantime."""


class LookupRateLimited(CardActionError):
    status_code = 429
    code = "rate_limited"


class LookupUnavailable(LookupRateLimited):
    """The rate limit cannot be counted (cache down): refused, never let through."""
    status_code = 503
    code = "unavailable"
