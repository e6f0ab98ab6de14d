"""`form_tags` writes a form's fields and errors as the templates that the pages used to
include did (kept here as the reference), byte for byte: hidden, required, with help
text, with field errors and errors of the whole form, escaped."""

import pytest

from django import forms
from django.template import Context, Template

from warranty.staff_forms import AttachmentForm, AttemptForm, CommentForm, PaymentPaidForm, StepForm
from warranty.transitions import TRANSITIONS

REFERENCE = Template(
    '{% for field in form %}{% if field.is_hidden %}{{ field }}{% else %}\n'
    '<div class="field{% if field.errors %} has-error{% endif %}">\n'
    '  <label for="{{ field.id_for_label }}">{{ field.label }}{% if field.field.required %}'
    ' <span aria-hidden="true">*</span>{% endif %}</label>\n'
    '  {{ field }}\n'
    '  {% if field.help_text %}<small class="help">{{ field.help_text }}</small>{% endif %}\n'
    '  {% for error in field.errors %}<p class="error" role="alert">{{ error }}</p>{% endfor %}\n'
    '</div>{% endif %}\n{% endfor %}|'
    '{% if form.non_field_errors %}<div class="alert error" role="alert">'
    '{% for error in form.non_field_errors %}<p>{{ error }}</p>{% endfor %}</div>{% endif %}\n')
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
def test_the_tags_write_the_reference_markup(form):
    context = {"form": form}
    assert TAGS.render(Context(context)) == REFERENCE.render(Context(context))
