"""Forms of the cases pages. They only check the shape of the input; the rules (who,
when, which checklist allows what) are the services' and come back as their refusals."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.safestring import SafeString
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cards import widgets
from cards.models import InvalidationGround
from cards.rules import grounds_for_kind
from cards.templatetags.form_tags import form_field

from .models import Assessment, CaseKind, CaseState, ExtensionError
from .rules import CHECKLIST_FIELDS
from .transitions import TRANSITIONS, CaseTransition

NOTE_WIDGET = widgets.Textarea(attrs={"rows": 2})


class QueueFilterForm(forms.Form):
    """The queue page's filters (its widgets written in Python: shown on every view)."""

    queue = forms.CharField(required=False, widget=widgets.HiddenInput)
    q = forms.CharField(
        label=_("Search"), required=False, max_length=100,
        widget=widgets.TextInput(attrs={
            "autofocus": True, "type": "search",
            "placeholder": _("Case number, album number or holder name")}))
    kind = forms.ChoiceField(label=_("Kind"), required=False, widget=widgets.Select,
                             choices=[("", _("any"))] + CaseKind.choices)
    state = forms.ChoiceField(label=_("State"), required=False, widget=widgets.Select,
                              choices=[("", _("any open"))] + CaseState.choices)
    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None,
                                  widget=widgets.Select)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False,
                                 widget=widgets.CheckboxInput)

    def __init__(self, *args: Any, units: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units:  # (id, name)
            self.fields["unit"].choices = [("", pgettext_lazy("unit", "any")), *units]
        else:
            del self.fields["unit"]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"queue": data["queue"], "kind": data["kind"], "state": data["state"],
                "unit_id": data.get("unit"), "overdue": data["overdue"], "query": data["q"]}


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters as chosen, and its filter form written out: `fields` all but
    the overdue box, then the box and its label."""

    chosen: dict
    fields: SafeString
    overdue: SafeString
    overdue_id: str
    overdue_label: str


def queue_filters(data: QueryDict | None, units: list[tuple[int, str]]) -> QueueFilters:
    """`QueueFilterForm(data, units=units)`: its filters and fields, written once per
    language, units and values of its fields (the form is most of a queue's markup
    besides the rows, and most views repeat a few filters)."""
    values = None if data is None else tuple(
        (name, tuple(data.getlist(name))) for name in QueueFilterForm.base_fields
        if name in data)
    return _queue_filters(get_language(), tuple(units), values)


@lru_cache(maxsize=1024)
def _queue_filters(language: str, units: tuple, values: tuple | None) -> QueueFilters:
    data = None if values is None else MultiValueDict({k: list(v) for k, v in values})
    form = QueueFilterForm(data, units=list(units))
    overdue = form["overdue"]
    return QueueFilters(
        chosen=form.filters(),
        fields=SafeString("".join(form_field(field) for field in form
                                  if field.name != "overdue")),
        overdue=SafeString(str(overdue)), overdue_id=overdue.id_for_label,
        overdue_label=str(overdue.label))


class OpenCaseForm(forms.Form):
    """Opening a case of one kind about a card: the fields that kind asks for."""

    note = forms.CharField(label=_("What happened"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, kind: str, card: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind in (CaseKind.FAULT, CaseKind.DAMAGE, CaseKind.LOST):
            self.fields["note"].required = True
        if kind == CaseKind.EXTENSION_FAILURE:
            self.fields["extension_error"] = forms.ChoiceField(
                label=_("The error USOS showed"), choices=ExtensionError.choices,
                widget=forms.RadioSelect)
            self.fields["note"].label = _("What was tried (optional)")
            self.order_fields(["extension_error", "note"])
        if kind == CaseKind.INVALIDATION:
            self.fields["ground"] = forms.ChoiceField(
                label=_("Ground"), widget=forms.RadioSelect,
                choices=[(g, InvalidationGround(g).label) for g in grounds_for_kind(card.kind)])
            self.fields["note"].label = _("Note (optional)")
            self.order_fields(["ground", "note"])

    def params(self) -> dict:
        return {"note": self.cleaned_data["note"],
                "extension_error": self.cleaned_data.get("extension_error", ""),
                "ground": self.cleaned_data.get("ground", "")}


class StepForm(forms.Form):
    """One form for every case step; fields appear as the step asks for them."""

    expected_state = forms.CharField(widget=widgets.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=NOTE_WIDGET)

    def __init__(self, *args: Any, step: CaseTransition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step = step
        self.fields["note"].required = step.note_required
        if "checklist" in step.params:
            for name in CHECKLIST_FIELDS:
                self.fields[name] = forms.BooleanField(
                    label=Assessment._meta.get_field(name).verbose_name, required=False,
                    widget=widgets.CheckboxInput)
            self.fields["other_note"] = forms.CharField(
                label=_("Other defect, described"), required=False, max_length=300,
                widget=widgets.TextInput)
        if "new_number" in step.params:
            self.fields["new_number"] = forms.CharField(
                label=_("New card number"), max_length=30, widget=widgets.TextInput)
            self.fields["new_chip_serial"] = forms.CharField(
                label=_("New chip serial"), max_length=64, widget=widgets.TextInput)
        # What the step needs first, the free-text note last.
        self.order_fields([name for name in self.fields if name != "note"] + ["note"])

    def params(self) -> dict:
        data = self.cleaned_data
        if "checklist" in self.step.params:
            checklist = {name: data[name] for name in CHECKLIST_FIELDS}
            checklist["other_note"] = data["other_note"]
            return {"checklist": checklist}
        return {name: data[name] for name in self.step.params}


def step_form(step: CaseTransition, case: Any, data: Any = None) -> StepForm:
    return StepForm(data, step=step, prefix=step.name, initial=_expected(case))


def assessment_form(case: Any, data: Any = None) -> StepForm:
    """The SSOS checklist, shared by the two outcomes (warranty or paid duplicate)."""
    return StepForm(data, step=TRANSITIONS["approve_warranty"], prefix="assessment",
                    initial=_expected(case))


def _expected(case: Any) -> dict:
    """The state the page shows, sent back so a step on a case that moved meanwhile is
    refused instead of applied to a state nobody saw."""
    return {"expected_state": case.state} if case is not None else {}


class PaymentPaidForm(forms.Form):
    reference = forms.CharField(label=_("Payment reference"), max_length=100,
                                widget=widgets.TextInput)
    paid_on = forms.DateField(label=_("Paid on"), initial=timezone.localdate,
                              widget=widgets.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class PaymentReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=NOTE_WIDGET)


PAYMENT_FORMS = {"pay": PaymentPaidForm, "waive": PaymentReasonForm, "refund": PaymentReasonForm}
PAYMENT_LABELS = {"pay": _("Mark as paid"), "waive": _("Waive the fee"),
                  "refund": _("Refund the fee")}
PAYMENT_DONE = {"pay": _("The payment was recorded."), "waive": _("The fee was waived."),
                "refund": _("The fee was refunded.")}


def payment_form(action: str, data: Any = None) -> forms.Form:
    return PAYMENT_FORMS[action](data, prefix=f"payment-{action}")


class AttemptForm(forms.Form):
    succeeded = forms.TypedChoiceField(
        label=_("Result"), widget=forms.RadioSelect, coerce=lambda v: v == "yes",
        choices=[("no", _("failed again")), ("yes", _("the card was extended"))])
    note = forms.CharField(label=_("What was tried"), required=False, max_length=2000,
                           widget=NOTE_WIDGET)
    extension_error = forms.ChoiceField(
        label=_("The error USOS showed this time"), required=False, widget=widgets.Select,
        choices=[("", _("the same as before"))] + ExtensionError.choices,
        help_text=_("After a hand-back, a failed attempt returns the case to the USOS office "
                    "with this error."))


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), max_length=4000,
                           widget=widgets.Textarea(attrs={"rows": 3}))
    visible_to_holder = forms.BooleanField(
        label=_("Visible to the holder"), required=False, widget=widgets.CheckboxInput,
        help_text=_("Shown on the holder's page; leave unticked for staff-only notes."))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Photo of the card"),
                           widget=widgets.ClearableFileInput(attrs={"accept": "image/*"}),
                           help_text=_("JPEG, PNG or WebP."))
    description = forms.CharField(label=_("Description"), required=False, max_length=200,
                                  widget=widgets.TextInput)


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Assign to"), required=False, coerce=int,
                                      empty_value=None, widget=widgets.Select)

    def __init__(self, *args: Any, people: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("nobody")), *people]
