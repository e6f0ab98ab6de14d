from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cards import widgets


class StatusLookupForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=20, widget=widgets.TextInput,
                             help_text=_("For example ELS/2026/00042."))
    album_number = forms.CharField(
        label=_("Album number or staff number"), max_length=20, widget=widgets.TextInput,
        help_text=_("Students and doctoral candidates: the album number; academic teachers "
                    "(ELN): the staff number."))
