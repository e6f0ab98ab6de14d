from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReaderDevice


class ReadRequestForm(forms.Form):
    device = forms.ModelChoiceField(queryset=ReaderDevice.objects.none(), label=_("Reader"),
                                    empty_label=None)

    def __init__(self, *args, devices=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if devices is not None:
            self.fields["device"].queryset = devices
