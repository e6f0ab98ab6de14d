"""Who may see reports, and over which units."""

from __future__ import annotations

from typing import Any

from cards.roles import Role, roles_of, unit_ids_of


def can_view_reports(user: Any) -> bool:
    """Administrators and SSOS see everything; dean's office staff see their units."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or roles_of(user) & {Role.SSOS, Role.DEANS_OFFICE})


def report_unit_ids(user: Any) -> frozenset[int] | None:
    """The units the user's reports cover: None means the whole university."""
    if user.is_superuser or Role.SSOS in roles_of(user):
        return None
    return unit_ids_of(user)


def report_visible(user: Any, report: Any) -> bool:
    return user.is_superuser or not report.admin_only
