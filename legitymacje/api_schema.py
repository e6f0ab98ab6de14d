"""Corrections to the generated OpenAPI schema that drf-spectacular cannot express."""

from __future__ import annotations


def caller_shapes_any_of(result, generator, request, public):
    """A response whose shape depends on the caller (staff or holder) lists both shapes.

    The holder's shape is a subset of the staff one, so a staff answer matches both: that
    is `anyOf`, not the `oneOf` drf-spectacular writes for a PolymorphicProxySerializer.
    """
    for schema in result.get("components", {}).get("schemas", {}).values():
        if set(schema) == {"oneOf"}:
            schema["anyOf"] = schema.pop("oneOf")
    return result


def empty_filter_choice(result, generator, request, public):
    """A choice filter left empty (`?kind=`) means "any", as django-filter reads it."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query":
                    continue
                schema = parameter.get("schema", {})
                schema = schema.get("items", schema)
                if "enum" in schema and "" not in schema["enum"]:
                    schema["enum"] = [*schema["enum"], ""]
    return result
