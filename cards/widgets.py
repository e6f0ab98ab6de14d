"""Form widgets written out in Python, for the filter forms every list page shows and the
case page's forms.

Django renders each widget, and each `<option>` of a select, through the form template
renderer: about 1 ms for a select of 25 states, the largest render cost of the queues and
the card list. These write the same markup as Django's templates (input.html, textarea.html,
select.html, select_option.html, attrs.html), byte for byte, with plain string joins
(even `format_html` per option costs a millisecond over the queue's 60 options;
`cards.markup`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe

from .markup import escape as _escape


def _attrs(attrs: dict[str, Any]) -> str:
    """As django/forms/widgets/attrs.html: True is a bare attribute, False none."""
    return "".join(f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"'
                   for name, value in attrs.items() if value is not False)


class _InputInPython:
    def _render(self, template_name: str, context: dict, renderer: Any = None) -> SafeString:
        widget = context["widget"]
        value = "" if widget["value"] is None else f' value="{_escape(widget["value"])}"'
        return mark_safe(f'<input type="{_escape(widget["type"])}" '  # noqa: S308 - escaped
                         f'name="{_escape(widget["name"])}"{value}{_attrs(widget["attrs"])}>')


class TextInput(_InputInPython, forms.TextInput):
    pass


class HiddenInput(_InputInPython, forms.HiddenInput):
    pass


class CheckboxInput(_InputInPython, forms.CheckboxInput):
    pass


class DateInput(_InputInPython, forms.DateInput):
    pass


class ClearableFileInput(forms.ClearableFileInput):
    """An empty file input as clearable_file_input.html writes it; one with a file already
    (its link and "clear" box) through Django's template."""

    def _render(self, template_name: str, context: dict, renderer: Any = None) -> SafeString:
        widget = context["widget"]
        if widget["is_initial"]:
            return super()._render(template_name, context, renderer)
        return mark_safe(f'<input type="{_escape(widget["type"])}" '  # noqa: S308 - escaped
                         f'name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>')


class Textarea(forms.Textarea):
    def _render(self, template_name: str, context: dict, renderer: Any = None) -> SafeString:
        widget = context["widget"]
        return mark_safe(  # noqa: S308 - escaped
            f'<textarea name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
            f'{_escape(widget["value"] or "")}</textarea>')


class Select(forms.Select):
    """Each option written straight from the choices: Django first builds a dict of a
    dozen keys per option (`optgroups`), most of what a select of 25 states cost."""

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict:
        choices = list(self.choices)  # once: a model choice field's runs a query
        if any(isinstance(label, list | tuple) for _value, label in choices):
            return super().get_context(name, value, attrs)  # <optgroup>s: Django's own
        context = forms.Widget.get_context(self, name, value, attrs)
        if self.allow_multiple_selected:
            context["widget"]["attrs"]["multiple"] = True
        context["widget"]["options"] = self._options(choices, context["widget"]["value"])
        return context

    def _options(self, choices: list[tuple[Any, Any]], chosen: list[str]) -> str:
        """As `optgroups` and select_option.html: the first choice whose value is among
        `chosen` is selected (each of them for a multiple select)."""
        written, has_selected = [], False
        for value, label in choices:
            value = "" if value is None else value
            selected = (not has_selected or self.allow_multiple_selected) and str(value) in chosen
            has_selected |= selected
            written.append(f'\n  <option value="{_escape(value)}"{" selected" if selected else ""}>'
                           f'{_escape(label)}</option>\n')
        return "".join(written)

    def _render(self, template_name: str, context: dict, renderer: Any = None) -> SafeString:
        widget = context["widget"]
        if "options" not in widget:
            return super()._render(template_name, context, renderer)
        return mark_safe(  # noqa: S308 - every value and label is escaped
            f'<select name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>'
            f'{widget["options"]}\n</select>')
