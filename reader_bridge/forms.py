from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cards import widgets

from .models import ReaderDevice


class ReadRequestForm(forms.Form):
    device = forms.ModelChoiceField(queryset=ReaderDevice.objects.none(), label=_("Reader"),
                                    empty_label=None, widget=widgets.Select)
    case = forms.IntegerField(widget=widgets.HiddenInput, required=False)

    def __init__(self, *args, devices=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if devices is not None:
            self.fields["device"].queryset = devices

    @classmethod
    def for_display(cls, devices: list[tuple[Any, str]], case_id: int | None) -> ReadRequestForm:
        """The form with the user's readers (`device_choices`) already fetched, so
        rendering costs no query."""
        form = cls(initial={"case": case_id})
        form.fields["device"].choices = devices
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
