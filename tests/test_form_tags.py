"""`form_tags` writes a form's fields and errors as the `includes/field.html` and
`includes/form_errors.html` templates do, byte for byte: hidden, required, with help
text, with field errors and errors of the whole form, escaped."""

import pytest

from django import forms
from django.template import Context, Template

from warranty.staff_forms import AttachmentForm, AttemptForm, CommentForm, PaymentPaidForm, StepForm
from warranty.transitions import TRANSITIONS

INCLUDES = Template('{% for field in form %}{% include "includes/field.html" %}{% endfor %}|'
                    '{% include "includes/form_errors.html" %}')
TAGS = Template("{% load form_tags %}{% form_fields form %}|{% form_errors form %}")


class Checked(forms.Form):
    name = forms.CharField(label='Name "<b>"', help_text="As on the <card> & ID")
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("The <form> as a whole is wrong")


@pytest.mark.parametrize("form", [
    Checked(), Checked({"name": ""}), Checked({"name": "Anna"}), CommentForm(),
    CommentForm({"body": ""}), PaymentPaidForm({"paid_on": "no date"}), AttemptForm(),
    AttachmentForm({}),
    StepForm(step=TRANSITIONS["approve_warranty"], prefix="a", initial={"expected_state": "x"}),
], ids=lambda form: type(form).__name__)
def test_the_tags_write_what_the_includes_write(form):
    context = {"form": form}
    assert TAGS.render(Context(context)) == INCLUDES.render(Context(context))
