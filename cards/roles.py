"""Roles are Django groups with fixed names; dean's office staff are scoped to units."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DEANS_OFFICE = "dziekanat", _("dean's office")
    SSOS = "ssos", _("SSOS assessor")
    USOS_OFFICE = "usos", _("USOS office")


UNIVERSITY_WIDE_ROLES = frozenset({Role.SSOS, Role.USOS_OFFICE})


def _scope(user: Any) -> tuple[frozenset[str], frozenset[int]]:
    """The user's roles and dean's office units, read in one query once per user object."""
    cached = getattr(user, "_legitymacje_scope", None)
    if cached is None:
        from django.contrib.auth.models import Group

        from .models import Unit

        kind = models.CharField()
        groups = Group.objects.filter(user=user.pk).values_list(
            models.Value("role", output_field=kind), "name")
        units = Unit.staff.through.objects.filter(user_id=user.pk).values_list(
            models.Value("unit", output_field=kind), Cast("unit_id", output_field=kind))
        rows = list(groups.union(units, all=True))
        roles = frozenset(name for what, name in rows if what == "role" and name in Role.values)
        unit_ids = frozenset(int(pk) for what, pk in rows if what == "unit")
        cached = user._legitymacje_scope = (roles, unit_ids)
    return cached


def roles_of(user: Any) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return _scope(user)[0]


def unit_ids_of(user: Any) -> frozenset[int]:
    """Units whose holders the user serves as dean's office staff."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return _scope(user)[1]


def sees_all_cards(user: Any) -> bool:
    return bool(user.is_superuser or roles_of(user) & UNIVERSITY_WIDE_ROLES)


def is_staff_member(user: Any) -> bool:
    return bool(user.is_superuser or roles_of(user))
