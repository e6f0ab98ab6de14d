from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import ACTIONS, CardAction
from .models import CardState, InvalidationGround, ReplacementReason
from .rules import grounds_for_kind


class CardSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=100,
        widget=forms.TextInput(attrs={
            "placeholder": _("Album number, name, card number or chip serial"),
            "autofocus": True, "type": "search",
        }),
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("any"))] + CardState.choices
    )


class CardActionForm(forms.Form):
    """One form for every card action; fields appear as the action asks for them."""

    expected_state = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, action: CardAction, card, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.fields["note"].required = action.note_required
        if "ground" in action.params:
            self.fields["ground"] = forms.ChoiceField(
                label=_("Ground"),
                choices=[(g, InvalidationGround(g).label) for g in grounds_for_kind(card.kind)],
            )
        if "replacement_reason" in action.params:
            self.fields["replacement_reason"] = forms.ChoiceField(
                label=_("Replacement"), choices=ReplacementReason.choices
            )
            self.fields["new_number"] = forms.CharField(label=_("New card number"), max_length=30)
            self.fields["new_chip_serial"] = forms.CharField(
                label=_("New chip serial"), max_length=64
            )
        self.order_fields([name for name in self.fields if name != "note"] + ["note"])

    def params(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.action.params}


def action_form(action_name: str, card, data=None) -> CardActionForm:
    action = ACTIONS[action_name]
    return CardActionForm(data, action=action, card=card, prefix=action_name,
                          initial={"expected_state": card.state})
