"""Who may see and do what with cases. The one place this is written.

Dean's office staff see and act on their own units' cases; SSOS and the USOS office act
university-wide on the steps their role allows; holders only read their own cases.
Steps that move the card also pass `cards.policy` (e.g. the corner cut by the serving
unit's staff only).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from cards import policy as card_policy
from cards.roles import Role, is_staff_member, roles_of, sees_all_cards, unit_ids_of
from cards.selectors import own_as_holder, scope_key

from .models import HIDDEN_FROM_HOLDERS, HOLDER_HIDDEN_KINDS, Case, CaseKind
from .transitions import OPEN_ROLES, CaseTransition


def visible_cases_filter(user: Any) -> Q | None:
    """A filter for the cases `user` may see; None means all of them."""
    if sees_all_cards(user):
        return None
    units = Q(unit_id__in=unit_ids_of(user))
    elsewhere = own_cases_elsewhere_filter(user)
    return units if elsewhere is None else units | elsewhere


def visible_cases_key(user: Any) -> tuple:
    """Everything `visible_cases_filter(user)` is built from, for keeping its SQL: the
    user, their roles and units, and their holder record (or that it was not loaded with
    the user, when the filter reads it in a subquery), as for their cards
    (`cards.selectors.scope_key`)."""
    return scope_key(user)


def own_cases_elsewhere_filter(user: Any) -> Q | None:
    """The cases outside `user`'s units that they see as their holder (a dean's office
    worker's own, say); None if they hold none. Written apart from the units, so that a
    count of these reads the holder's cases only, not every case of the units."""
    own = own_as_holder(user)
    if own is None:
        return None
    return own & ~HIDDEN_FROM_HOLDERS & ~Q(unit_id__in=unit_ids_of(user))


def can_see(user: Any, case: Case) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if sees_all_cards(user) or case.unit_id in unit_ids_of(user):
        return True
    return case.holder.user_id == user.pk and case.kind not in HOLDER_HIDDEN_KINDS


def may_take_somewhere(user: Any, spec: CaseTransition) -> bool:
    """Whether the user's role allows the step on some case (e.g. to offer a bulk page)."""
    return is_staff_member(user) and bool(user.is_superuser or roles_of(user) & spec.roles)


def _role_refusal(user: Any, roles: frozenset[str], unit_id: int) -> str | None:
    if getattr(user, "is_authenticated", False) and not is_staff_member(user):
        return _("Holders can follow their cases but cannot act on them.")
    return card_policy.role_refusal(
        user, roles, unit_id,
        other_unit=_("This case belongs to another unit; only its staff may act on it."))


def transition_refusal(user: Any, spec: CaseTransition, case: Case) -> str | None:
    """Why `user` may not take step `spec` on `case`, or None if they may."""
    if spec.internal:
        return _("This step is taken by the system.")
    refusal = _role_refusal(user, spec.roles, case.unit_id)
    if refusal is None and spec.card_action:
        refusal = card_policy.refusal_for_user(user, spec.card_action, case.card)
    return refusal


# Reported by whoever had the card in their reader, whichever unit serves it
# (`reader_bridge.forgery` checks that the read was at one of the reporter's readers).
ANY_UNIT_OPEN_KINDS = frozenset({CaseKind.SUSPECTED_FORGERY})


def open_refusal(user: Any, kind: str, card: Any) -> str | None:
    """Why `user` may not open a case of `kind` about `card`, or None."""
    roles = OPEN_ROLES.get(kind, frozenset())
    if kind in ANY_UNIT_OPEN_KINDS and is_staff_member(user) and not user.is_superuser:
        return None if roles_of(user) & roles else _("Your role does not allow this action.")
    return _role_refusal(user, roles, card.serving_unit_id)


def staff_refusal(user: Any, case: Case, roles: frozenset[str] | None = None) -> str | None:
    """Why `user` may not work on the case (comments, attachments, assignment, payments)."""
    if roles is None:
        roles = frozenset(Role)
    return _role_refusal(user, roles, case.unit_id)
