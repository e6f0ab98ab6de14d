"""Form widgets written out in Python, for the filter forms every list page shows.

Django renders each widget, and each `<option>` of a select, through the form template
renderer: about 1 ms for a select of 25 states, the largest render cost of the queues and
the card list. These write the same markup as Django's templates (input.html, select.html,
select_option.html, attrs.html), byte for byte, without a template.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """As django/forms/widgets/attrs.html: True is a bare attribute, False none."""
    return format_html_join("", " {}{}", (
        (name, "" if value is True else format_html('="{}"', value))
        for name, value in attrs.items() if value is not False))


class _InputInPython:
    def _render(self, template_name: str, context: dict, renderer: Any = None) -> SafeString:
        widget = context["widget"]
        value = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html('<input type="{}" name="{}"{}{}>', widget["type"], widget["name"],
                           value, _attrs(widget["attrs"]))


class TextInput(_InputInPython, forms.TextInput):
    pass


class HiddenInput(_InputInPython, forms.HiddenInput):
    pass


class CheckboxInput(_InputInPython, forms.CheckboxInput):
    pass


class Select(forms.Select):
    def _render(self, template_name: str, context: dict, renderer: Any = None) -> SafeString:
        widget = context["widget"]
        if any(group_name for group_name, _options, _index in widget["optgroups"]):
            return super()._render(template_name, context, renderer)  # <optgroup>s
        options = format_html_join("", '\n  <option value="{}"{}>{}</option>\n', (
            (option["value"], _attrs(option["attrs"]), option["label"])
            for _name, group, _index in widget["optgroups"] for option in group))
        return format_html('<select name="{}"{}>{}\n</select>', widget["name"],
                           _attrs(widget["attrs"]), options)
