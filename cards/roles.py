"""Roles are Django groups with fixed names; dean's office staff are scoped to units."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DEANS_OFFICE = "dziekanat", _("dean's office")
    SSOS = "ssos", _("SSOS assessor")
    USOS_OFFICE = "usos", _("USOS office")


UNIVERSITY_WIDE_ROLES = frozenset({Role.SSOS, Role.USOS_OFFICE})


def roles_of(user: Any) -> frozenset[str]:
    """The user's roles, read once per user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_legitymacje_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(name for name in names if name in Role.values)
        user._legitymacje_roles = cached
    return cached


def unit_ids_of(user: Any) -> frozenset[int]:
    """Units whose holders the user serves as dean's office staff."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_legitymacje_units", None)
    if cached is None:
        cached = frozenset(user.units.values_list("pk", flat=True))
        user._legitymacje_units = cached
    return cached


def sees_all_cards(user: Any) -> bool:
    return bool(user.is_superuser or roles_of(user) & UNIVERSITY_WIDE_ROLES)


def is_staff_member(user: Any) -> bool:
    return bool(user.is_superuser or roles_of(user))
