"""One error shape for the whole API: {"code": ..., "detail": ...}."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import CardActionError


class ErrorSerializer(serializers.Serializer):
    """The error shape, for the OpenAPI schema: use this one so the schema has one "Error"."""

    code = serializers.CharField()
    detail = serializers.JSONField(help_text=_("A message, or field → messages for invalid input."))


def exception_handler(exc, context):
    if isinstance(exc, CardActionError):
        return Response({"code": exc.code, "detail": exc.message}, status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "code" not in response.data:
        code = getattr(exc, "default_code", "error")
        if response.status_code == status.HTTP_400_BAD_REQUEST:
            response.data = {"code": "invalid", "detail": response.data}
        else:
            response.data = {"code": code, **response.data}
    return response


def error_response(description: str) -> OpenApiResponse:
    """An error answer of the {"code", "detail"} shape, for an endpoint's schema."""
    return OpenApiResponse(ErrorSerializer, description=description)
