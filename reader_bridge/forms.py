from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReaderDevice


class ReadRequestForm(forms.Form):
    device = forms.ModelChoiceField(queryset=ReaderDevice.objects.none(), label=_("Reader"),
                                    empty_label=None)
    case = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, devices=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if devices is not None:
            self.fields["device"].queryset = devices

    @classmethod
    def for_display(cls, devices: list[ReaderDevice], case_id: int | None) -> ReadRequestForm:
        """The form with the user's readers already fetched, so rendering costs no query."""
        form = cls(initial={"case": case_id})
        form.fields["device"].choices = [(device.pk, device.name) for device in devices]
        return form


class ExtensionStartForm(forms.Form):
    """"Przedłuż" on the card page: which reader the card is (or goes) in."""

    device = forms.ModelChoiceField(queryset=ReaderDevice.objects.none(), label=_("Reader"),
                                    empty_label=None)

    def __init__(self, *args, devices=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if devices is not None:
            self.fields["device"].queryset = devices

    @classmethod
    def for_display(cls, devices: list[ReaderDevice]) -> ExtensionStartForm:
        form = cls()
        form.fields["device"].choices = [(device.pk, device.name) for device in devices]
        return form
