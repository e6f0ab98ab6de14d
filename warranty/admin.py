"""Admin: the fee table is configuration; cases, payments and the outbox are read-only
here (their state changes only through the services)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cards.read_only_admin import ReadOnlyAdmin

from .models import Case, CaseEvent, FeeSchedule, Notification, Payment


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    list_display = ["card_kind", "event", "amount", "currency", "valid_from", "note"]
    list_filter = ["card_kind", "event"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ["at", "action", "from_state", "to_state", "actor_name", "source", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "state", "card", "unit", "assigned_to", "created_at"]
    list_filter = ["kind", "state", "unit"]
    search_fields = ["number", "card__number", "holder__album_number", "holder__last_name"]
    list_select_related = ["card", "unit", "assigned_to"]
    inlines = [CaseEventInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["case", "amount", "currency", "status", "reference", "paid_on", "created_at"]
    list_filter = ["status"]
    search_fields = ["case__number", "reference"]
    list_select_related = ["case"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "template", "to_holder"]
    search_fields = ["recipient", "subject", "case__number"]
    actions = ["resend"]

    @admin.action(description=gettext_lazy("Re-send now (only e-mails still waiting)"))
    def resend(self, request: HttpRequest, queryset) -> None:
        from .notifications import notification_deliver

        sent = sum(notification_deliver(pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, _("E-mails sent: %(count)d") % {"count": sent})
