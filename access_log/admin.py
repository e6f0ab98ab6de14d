from __future__ import annotations

from django.contrib import admin

from .models import AccessEntry


@admin.register(AccessEntry)
class AccessEntryAdmin(admin.ModelAdmin):
    """Read-only, for administrators: nobody edits or deletes the log."""

    list_display = ["at", "username", "subject", "object_id", "channel", "path"]
    list_filter = ["subject", "channel"]
    search_fields = ["=username", "=object_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser
