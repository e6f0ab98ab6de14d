"""Who may do what to a card. The one place this is written.

Dean's office staff act only on cards served by their own units; SSOS and the USOS
office act university-wide on what their role allows. Superusers may do anything an
office may, except the corner cut, which the regulation gives to staff of the unit
that serves the holder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from .roles import Role, roles_of, unit_ids_of

D, SSOS, USOS = Role.DEANS_OFFICE, Role.SSOS, Role.USOS_OFFICE

ACTION_ROLES: dict[str, frozenset[str]] = {
    "extend": frozenset({D, USOS}),
    "confirm_hologram": frozenset({D, USOS}),
    "report_faulty": frozenset({D}),
    "hand_to_ssos": frozenset({SSOS}),
    "return_working": frozenset({SSOS, D}),
    "mark_damaged": frozenset({D, SSOS}),
    "report_lost": frozenset({D}),
    "mark_found": frozenset({D}),
    "decide_invalidation": frozenset({D}),
    "withdraw_invalidation": frozenset({D}),
    "confirm_corner_cut": frozenset({D}),
    "replace": frozenset({D, SSOS}),
    "invalidate_forged": frozenset({SSOS}),
}

# Physical acts on the card that only the serving unit's own staff may confirm.
SERVING_UNIT_ONLY = frozenset({"confirm_corner_cut"})


def role_refusal(user: Any, allowed: frozenset[str], unit_id: int, *,
                 other_unit: str) -> str | None:
    """The role-and-unit rule for cards and cases alike: one of the `allowed` roles, and a
    dean's office only for its own units (`other_unit` says so for the thing at hand)."""
    if not getattr(user, "is_authenticated", False):
        return str(_("You must log in."))
    if user.is_superuser:
        return None
    roles = roles_of(user) & allowed
    if not roles:
        return str(_("Your role does not allow this action."))
    if roles == {D} and unit_id not in unit_ids_of(user):
        return other_unit
    return None


def refusal_for_user(user: Any, action: str, card: Any) -> str | None:
    """Why `user` may not perform `action` on `card`, or None if they may."""
    if action in SERVING_UNIT_ONLY:
        if (getattr(user, "is_authenticated", False) and D in roles_of(user)
                and card.serving_unit_id in unit_ids_of(user)):
            return None
        return str(_("Only staff of the unit that serves the holder may confirm the corner cut."))
    return role_refusal(
        user, ACTION_ROLES.get(action, frozenset()), card.serving_unit_id,
        other_unit=str(_("This card is served by another unit; only its staff may act on it.")))


def transition_permission(action: str) -> Callable[[Any, Any], bool]:
    """A django-fsm `permission=` callable backed by the same rule."""

    def permission(instance: Any, user: Any) -> bool:
        return refusal_for_user(user, action, instance) is None

    permission.__name__ = f"may_{action}"
    return permission


def may_act_somewhere(user: Any, action: str) -> bool:
    """Whether the user's role allows `action` on some card (e.g. to offer a batch page)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or roles_of(user) & ACTION_ROLES.get(action, frozenset()))
