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


def scope_annotations(connection: Any) -> dict[str, Any]:
    """What `_scope` reads, as columns of the user query (`legitymacje.auth`): whether the
    user is in each role's group (each its own EXISTS: a joined list of group names could
    be forged by a group named "x,ssos"), and their dean's office unit ids joined with
    commas. Written as SQL: as ORM subqueries they cost more to compile than the query
    they save."""
    from django.contrib.auth import get_user_model

    from .models import Unit

    user_table = get_user_model()._meta.db_table
    memberships = get_user_model().groups.through._meta
    groups = memberships.get_field("group").related_model._meta.db_table
    # the models' own table names, never input
    in_group = (f"EXISTS (SELECT 1 FROM {memberships.db_table} m JOIN {groups} g ON "  # noqa: S608
                f"g.id = m.group_id WHERE m.user_id = {user_table}.id AND g.name = %s)")
    join = "STRING_AGG(CAST(s.unit_id AS TEXT), ',')" if connection.vendor == "postgresql" \
        else "GROUP_CONCAT(s.unit_id, ',')"
    units = (f"(SELECT {join} FROM {Unit.staff.through._meta.db_table} s "  # noqa: S608
             f"WHERE s.user_id = {user_table}.id)")
    flags = {f"in_role_{role}": models.expressions.RawSQL(  # noqa: S611
        in_group, (role,), output_field=models.BooleanField()) for role in Role.values}
    return {**flags, "staff_unit_ids": models.expressions.RawSQL(  # noqa: S611
        units, (), output_field=models.TextField())}


def _scope(user: Any) -> tuple[frozenset[str], frozenset[int]]:
    """The user's roles and dean's office units: read with the user when it was loaded
    with `scope_annotations`, else in one query, once per user object."""
    cached = getattr(user, "_legitymacje_scope", None)
    if cached is None and hasattr(user, "staff_unit_ids"):
        roles = frozenset(role for role in Role.values if getattr(user, f"in_role_{role}"))
        unit_ids = frozenset(int(pk) for pk in (user.staff_unit_ids or "").split(",") if pk)
        cached = user._legitymacje_scope = (roles, unit_ids)
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
