"""The filter forms' and the case page's widgets written in Python give the markup
Django's templates give (byte for byte), and the choice labels the lists show are
`get_FOO_display`'s."""

import datetime as dt

import pytest

from django import forms
from django.utils import translation
from django.utils.safestring import mark_safe

from cards import widgets
from cards.models import Card, CardState
from warranty.models import Case, CaseKind, CaseState
from warranty.staff_forms import QueueFilterForm

CHOICES = [("", "any"), ("x", 'X & <y> "quoted" \'single\''), (3, mark_safe("<b>three</b>")),
           ("x", "x again"), (None, "none")]


def _form(text, hidden, select, checkbox):
    class Filters(forms.Form):
        q = forms.CharField(required=False, widget=text(attrs={
            "autofocus": True, "type": "search", "placeholder": "name \"or\" <number> & 'more'"}))
        queue = forms.CharField(required=False, widget=hidden)
        state = forms.ChoiceField(required=False, choices=CHOICES, widget=select)
        overdue = forms.BooleanField(required=False, widget=checkbox)
    return Filters


DJANGOS = _form(forms.TextInput, forms.HiddenInput, forms.Select, forms.CheckboxInput)
OURS = _form(widgets.TextInput, widgets.HiddenInput, widgets.Select, widgets.CheckboxInput)


@pytest.mark.parametrize("data", [
    None, {}, {"q": 'a"b<c>&\'', "queue": "to_assess", "state": "3", "overdue": "on"},
    {"state": "x"}, {"state": "not a choice", "overdue": ""}])
def test_the_widgets_write_what_djangos_templates_write(data):
    djangos, ours = DJANGOS(data), OURS(data)
    for name in ("q", "queue", "state", "overdue"):
        assert str(ours[name]) == str(djangos[name])


def _case_page_form(textarea, date):
    class Note(forms.Form):
        note = forms.CharField(required=False, widget=textarea(attrs={"rows": 2}))
        paid_on = forms.DateField(required=False, widget=date(attrs={"type": "date"},
                                                              format="%Y-%m-%d"))
    return Note


@pytest.mark.parametrize("data", [None, {"note": 'line\n"two" <b>&', "paid_on": "2026-01-31"},
                                  {"note": "", "paid_on": "not a date"}])
def test_the_case_page_widgets_write_what_djangos_templates_write(data):
    djangos = _case_page_form(forms.Textarea, forms.DateInput)(data, initial={
        "paid_on": dt.date(2026, 2, 1)})
    ours = _case_page_form(widgets.Textarea, widgets.DateInput)(data, initial={
        "paid_on": dt.date(2026, 2, 1)})
    for name in ("note", "paid_on"):
        assert str(ours[name]) == str(djangos[name])


class _StoredFile:
    url = "/media/cases/card.jpg"

    def __str__(self) -> str:
        return "card <1>.jpg"


@pytest.mark.parametrize("value", [None, "", _StoredFile()])
@pytest.mark.parametrize("attrs", [{"accept": "image/*"}, {"accept": 'a"<b>', "disabled": True}])
@pytest.mark.parametrize("required", [True, False])
def test_the_photo_input_writes_what_djangos_template_writes(value, attrs, required):
    djangos, ours = forms.ClearableFileInput(attrs=attrs), widgets.ClearableFileInput(attrs=attrs)
    djangos.is_required = ours.is_required = required
    assert ours.render("file", value, {"id": "id_file"}) == djangos.render(
        "file", value, {"id": "id_file"})


@pytest.mark.parametrize("chosen", [None, "", "x", ["x", "3"], "3"])
def test_a_multiple_select_writes_what_djangos_writes(chosen):
    class Multiple(widgets.Select):
        allow_multiple_selected = True

    djangos = forms.SelectMultiple(choices=CHOICES).render("state", chosen)
    assert Multiple(choices=CHOICES).render("state", chosen) == djangos


def test_a_select_with_groups_is_still_written():
    grouped = [("Open", [("a", "A")]), ("Closed", [("b", "B")])]
    djangos = forms.Select(choices=grouped).render("state", "b")
    assert widgets.Select(choices=grouped).render("state", "b") == djangos
    assert '<optgroup label="Closed">' in djangos


def test_the_queue_filters_show_the_chosen_state_in_polish():
    with translation.override("pl"):
        html = str(QueueFilterForm({"state": "in_assessment"})["state"])
    assert '<option value="in_assessment" selected>legitymacja w SSOS, do oceny</option>' in html


@pytest.mark.parametrize("language", ["en", "pl"])
def test_labels_are_those_of_get_display(language):
    with translation.override(language):
        for state in CaseState:
            case = Case(state=state, kind=CaseKind.FAULT)
            assert str(case.state_label) == case.get_state_display()
            assert str(case.kind_label) == case.get_kind_display()
        for state in CardState:
            card = Card(state=state)
            assert str(card.state_label) == card.get_state_display()
