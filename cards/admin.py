from django.contrib import admin

from .models import (
    Card,
    CardEvent,
    Employment,
    Enrolment,
    Holder,
    Semester,
    SigningCertificate,
    Unit,
)

admin.site.register([Unit, Semester, SigningCertificate, Holder, Enrolment, Employment])


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "holder", "serving_unit", "state", "valid_until"]


@admin.register(CardEvent)
class CardEventAdmin(admin.ModelAdmin):
    list_display = ["card", "action", "from_state", "to_state", "actor_name", "at", "source"]
