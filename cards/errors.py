"""Why a card action did not happen. The message is for people, in their language."""

from __future__ import annotations


class CardActionError(Exception):
    status_code = 400
    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ActionRefused(CardActionError):
    """A rule of the procedure does not allow it (e.g. no permitted invalidation ground)."""

    code = "refused"


class ActionForbidden(CardActionError):
    status_code = 403
    code = "forbidden"


class ActionNotPossible(CardActionError):
    """The card's state does not allow this action at all."""

    status_code = 409
    code = "not_possible"


class CardConflict(CardActionError):
    """Someone else changed the card in the meantime."""

    status_code = 409
    code = "conflict"
