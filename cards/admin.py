"""Django admin for configuration and data care.

A card's state is never edited here: the card actions in the list go through
`cards.services.card_act` (source "admin") after a confirmation page that asks for the
note or ground the action needs, and report per card what was refused and why.
The history is read-only, and PESEL numbers are shown masked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .actions import ACTIONS, CardAction
from .errors import CardActionError
from .models import (
    Card,
    CardEvent,
    Employment,
    Enrolment,
    EventSource,
    Holder,
    InvalidationGround,
    Semester,
    Unit,
)
from .read_only_admin import ReadOnlyAdmin
from .selectors import holder_by_pesel
from .services import card_act, card_issue


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    filter_horizontal = ["staff"]


@admin.register(Semester)
class SemesterAdmin(admin.ModelAdmin):
    list_display = ["name", "cycle_code", "starts_on", "ends_on", "card_valid_until"]
    search_fields = ["name", "cycle_code"]


class HolderAdminForm(forms.ModelForm):
    """PESEL is write-only here: the form never sends the stored number to the browser."""

    pesel = forms.CharField(
        label=_("PESEL"), required=False, max_length=11,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the number on record."),
    )

    class Meta:
        model = Holder
        fields = ["first_name", "last_name", "pesel", "album_number", "employee_number", "email",
                  "user"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["pesel"] = ""
        if self.instance.pesel:
            self.fields["pesel"].help_text = _(
                "On record: %(masked)s. Leave empty to keep it, or type a new number."
            ) % {"masked": self.instance.masked_pesel}

    def clean_pesel(self) -> str:
        return self.cleaned_data["pesel"] or self.instance.pesel


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    fields = ["programme_code", "programme_name", "level", "unit", "stage", "cycle_code",
              "status", "next_completion_date", "status_changed_on"]


class EmploymentInline(admin.TabularInline):
    model = Employment
    extra = 0


@admin.register(Holder)
class HolderAdmin(admin.ModelAdmin):
    form = HolderAdminForm
    list_display = ["last_name", "first_name", "album_number", "employee_number", "pesel_masked",
                    "email"]
    # PESEL is found only whole, through its keyed hash (see get_search_results).
    search_fields = ["last_name", "first_name", "=album_number", "=employee_number"]
    raw_id_fields = ["user"]
    inlines = [EnrolmentInline, EmploymentInline]

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        holder = holder_by_pesel(search_term) if search_term.strip().isdigit() else None
        if holder is not None:
            found |= queryset.filter(pk=holder.pk)
        return found, may_have_duplicates

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # No filtering by PESEL in the address bar: `?pesel_hash__startswith=` is refused too.
        if lookup.split("__")[0] in ("pesel", "pesel_hash"):
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("PESEL"))
    def pesel_masked(self, holder: Holder) -> str:
        return holder.masked_pesel


class CardEventInline(admin.TabularInline):
    model = CardEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "from_state", "to_state", "actor_name", "source", "reason",
              "details"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class CardTransitionForm(forms.Form):
    """What an admin action asks for before it acts: the note, and a ground if needed."""

    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))

    def __init__(self, *args, action: CardAction, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].required = action.note_required
        if "ground" in action.params:
            self.fields["ground"] = forms.ChoiceField(
                label=_("Ground"), choices=InvalidationGround.choices,
                help_text=_("Cards of a kind this ground does not apply to are refused."),
            )

    def params(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if name != "note"}


# The replacement needs a new number and chip serial per card: it is done on the card
# pages, not in bulk.
ADMIN_ACTIONS = [name for name, spec in ACTIONS.items() if set(spec.params) <= {"ground"}]


def _transition_action(spec: CardAction) -> Callable[..., HttpResponse | None]:
    def run(modeladmin: CardAdmin, request: HttpRequest, queryset: QuerySet[Card]):
        return modeladmin.transition(request, queryset, spec)

    run.__name__ = f"act_{spec.name}"
    return admin.action(description=spec.label)(run)


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "holder", "serving_unit", "state_label", "valid_until",
                    "hologram_count"]
    list_filter = ["state", "kind", "serving_unit"]
    list_select_related = ["holder", "serving_unit"]
    search_fields = ["=number", "=chip_serial", "holder__last_name", "=holder__album_number"]
    autocomplete_fields = ["holder"]
    raw_id_fields = ["replaces"]
    inlines = [CardEventInline]
    fields = ["kind", "number", "chip_serial", "holder", "serving_unit", "state", "issued_on",
              "valid_until", "hologram_count", "invalidation_ground", "replaces", "blank_batch",
              "blank_supplier", "template_generation", "created_at"]
    actions = [_transition_action(ACTIONS[name]) for name in ADMIN_ACTIONS]
    transition_template = "admin/cards/card_transition.html"

    # Moved only by card actions, so the history tells how they got their value.
    always_read_only = ["state", "invalidation_ground", "hologram_count", "replaces",
                        "created_at"]
    # Fixed once the card is issued (written on the blank or the chip).
    read_only_after_issue = ["kind", "holder", "number", "chip_serial", "issued_on",
                             "valid_until"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.always_read_only
        return self.always_read_only + self.read_only_after_issue

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # cards are invalidated or replaced, never deleted

    @admin.display(description=_("state"), ordering="state")
    def state_label(self, card: Card) -> str:
        return card.get_state_display()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        issued = card_issue(actor=request.user, source=EventSource.ADMIN, **form.cleaned_data)
        # The admin goes on with `obj` (log entry, redirect): make it the issued row.
        obj.pk = issued.pk
        obj._state.adding = False

    def transition(self, request: HttpRequest, queryset: QuerySet[Card],
                   spec: CardAction) -> HttpResponse | None:
        form = CardTransitionForm(request.POST if "apply" in request.POST else None,
                                  action=spec)
        if form.is_valid():
            self._act_on_each(request, queryset, spec, form)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": spec.label,
            "opts": self.model._meta,
            "spec": spec,
            "form": form,
            "cards": queryset.select_related("holder"),
            "action_name": f"act_{spec.name}",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, self.transition_template, context)

    def _act_on_each(self, request: HttpRequest, queryset: QuerySet[Card], spec: CardAction,
                     form: CardTransitionForm) -> None:
        """Each card moves (or is refused) on its own: one refusal does not undo the rest."""
        done: list[str] = []
        refused: dict[str, list[str]] = defaultdict(list)
        for card in queryset.order_by("number"):
            try:
                card_act(card_id=card.pk, action=spec.name, actor=request.user,
                         source=EventSource.ADMIN, note=form.cleaned_data["note"],
                         **form.params())
            except CardActionError as exc:
                refused[exc.message].append(str(card))
            else:
                done.append(str(card))
        if done:
            self.message_user(request, ngettext(
                "%(action)s: done for %(count)d card: %(cards)s.",
                "%(action)s: done for %(count)d cards: %(cards)s.", len(done),
            ) % {"action": spec.label, "count": len(done), "cards": ", ".join(done)},
                messages.SUCCESS)
        for reason, cards in refused.items():
            self.message_user(request, _("%(action)s refused for %(cards)s: %(reason)s") % {
                "action": spec.label, "cards": ", ".join(cards), "reason": reason,
            }, messages.ERROR)


@admin.register(CardEvent)
class CardEventAdmin(ReadOnlyAdmin):
    """The history is append-only: written by the services, only read here."""

    list_display = ["at", "card", "action", "from_state", "to_state", "actor_name", "source"]
    list_filter = ["source", "action"]
    list_select_related = ["card"]
    search_fields = ["=card__number", "actor_name"]


from . import admin_signing  # noqa: E402, F401 - registers the certificate registry
