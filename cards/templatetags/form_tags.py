"""A form's fields and errors, as every page writes them: label, widget, help text and
errors per field, and the errors of the form as a whole. Written in Python rather than as
an included template: an `{% include %}` per field cost the case page about a tenth of its
time (it has some twenty)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def form_field(field: Any) -> SafeString:
    """The field's label, widget, help text and errors; a hidden field alone."""
    if field.is_hidden:
        return format_html("{}\n", str(field))
    errors = format_html_join("", '<p class="error" role="alert">{}</p>',
                              ((error,) for error in field.errors))
    return format_html(
        '\n<div class="field{}">\n  <label for="{}">{}{}</label>\n  {}\n  {}\n  {}\n</div>\n',
        " has-error" if field.errors else "", field.id_for_label, field.label,
        mark_safe(' <span aria-hidden="true">*</span>') if field.field.required else "",
        str(field),
        format_html('<small class="help">{}</small>', field.help_text) if field.help_text
        else "", errors)


@register.simple_tag
def form_errors(form: Any) -> SafeString:
    """The errors of the form as a whole, if any."""
    errors = form.non_field_errors()
    if not errors:
        return mark_safe("\n")
    return format_html('<div class="alert error" role="alert">{}</div>\n',
                       format_html_join("", "<p>{}</p>", ((error,) for error in errors)))


@register.simple_tag
def form_fields(form: Any) -> SafeString:
    """Every field of the form, each as `form_field`."""
    return format_html_join("", "{}", ((form_field(field),) for field in form))
