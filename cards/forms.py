from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import holograms, widgets
from .actions import ACTIONS, CardAction
from .models import CardState, InvalidationGround, ReplacementReason
from .rules import grounds_for_kind


class CertificateUploadForm(forms.Form):
    """A certificate given as a file or as pasted PEM (mixed into the admin's forms)."""

    upload = forms.FileField(label=_("Certificate file (PEM or DER)"), required=False)
    certificate_pem = forms.CharField(label=_("or paste PEM"), widget=forms.Textarea,
                                      required=False)

    def certificate_data(self, cleaned: dict) -> bytes:
        upload = cleaned.get("upload")
        data = upload.read() if upload else (cleaned.get("certificate_pem") or "").encode()
        if not data:
            raise forms.ValidationError(_("Upload a certificate or paste its PEM."))
        return data


class CardSearchForm(forms.Form):
    """The card list's search (its widgets written in Python: shown on every view)."""

    q = forms.CharField(
        label=_("Search"), required=False, max_length=100,
        widget=widgets.TextInput(attrs={
            "placeholder": _("Album number, name, card number or chip serial"),
            "autofocus": True, "type": "search",
        }),
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("any"))] + CardState.choices,
        widget=widgets.Select,
    )


class HologramNumberField(forms.CharField):
    """Eight digits, which staff may type grouped with spaces or dashes."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Hologram number"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off",
                                  "class": "mono", "size": 10})

    def to_python(self, value):
        return holograms.normalise(super().to_python(value))

    def validate(self, value) -> None:
        super().validate(value)
        problem = value and holograms.number_format_problem(value)
        if problem:
            raise forms.ValidationError(problem)


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
        if "hologram_number" in action.params:
            self.fields["hologram_number"] = HologramNumberField()
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


class HologramBatchForm(forms.Form):
    """The queue of cards awaiting a hologram: tick each card whose sticker is on and give
    the first number (the rest follow, in the queue's order), or type each card's."""

    first = HologramNumberField(
        label=_("First hologram number"), required=False,
        help_text=_("Cards without a number of their own take the next numbers of the roll."))

    def __init__(self, *args, cards: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cards = cards
        for card in cards:
            self.fields[f"pick-{card.pk}"] = forms.BooleanField(
                required=False, label=_("Hologram stuck on %(card)s") % {"card": card})
            self.fields[f"number-{card.pk}"] = HologramNumberField(
                required=False, label=_("Hologram number of %(card)s") % {"card": card})

    def rows(self) -> list[tuple]:
        return [(card, self[f"pick-{card.pk}"], self[f"number-{card.pk}"])
                for card in self.cards]

    def clean(self) -> dict:
        data = super().clean()
        picked = [card for card in self.cards if data.get(f"pick-{card.pk}")]
        if not picked:
            raise forms.ValidationError(_("Tick the cards whose hologram is stuck on."))
        typed = [data.get(f"number-{card.pk}") or "" for card in picked]
        numbers = holograms.fill_in(data.get("first") or "", typed)
        given_to: dict[str, object] = {}
        for card, number in zip(picked, numbers, strict=True):
            field = f"number-{card.pk}"
            if field in self.errors:
                continue
            if not number:
                self.add_error(field, _("Give this card's hologram number, or the first "
                                        "number of the batch."))
            elif number in given_to:
                self.add_error(field, _("Number %(number)s is also given to %(card)s.") % {
                    "number": number, "card": given_to[number]})
            else:
                given_to[number] = card
        self.entries = list(zip(picked, numbers, strict=True))
        return data

    def filled_in(self) -> dict[str, str]:
        """The submitted data with each ticked card's number written out, to show back."""
        data = self.data.copy()
        for card, number in self.entries:
            data[self.add_prefix(f"number-{card.pk}")] = number
        return data
