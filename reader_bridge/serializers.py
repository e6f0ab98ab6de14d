"""The read message and enrolment request schemas (docs/reader-protocol.md)."""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import ReadOutcome

MAX_FILE_BYTES = 16 * 1024


@extend_schema_field(OpenApiTypes.BYTE)
class Base64FileField(serializers.Field):
    """Base64 text in, bytes out; null allowed."""

    default_error_messages = {"invalid": _("Not valid base64."),
                              "too_big": _("The file is larger than the limit.")}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> bytes:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            content = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            self.fail("invalid")
        if len(content) > MAX_FILE_BYTES:
            self.fail("too_big")
        return content

    def to_representation(self, value: bytes) -> str:
        return base64.b64encode(value).decode("ascii")


class ReadFilesSerializer(serializers.Serializer):
    els = Base64FileField()
    cert = Base64FileField()


class ReadMessageSerializer(serializers.Serializer):
    message_id = serializers.UUIDField()
    sent_at = serializers.DateTimeField()
    sequence = serializers.IntegerField(min_value=0, max_value=2**62)
    agent_version = serializers.CharField(max_length=40)
    reader_name = serializers.CharField(max_length=200, allow_blank=True)
    outcome = serializers.ChoiceField(choices=ReadOutcome.choices)
    failed_step = serializers.CharField(max_length=30, allow_null=True, allow_blank=True,
                                        required=False)
    status_word = serializers.RegexField(r"^[0-9A-Fa-f]{4}$", allow_null=True, required=False)
    atr = serializers.RegexField(r"^([0-9A-Fa-f]{2}){1,33}$", allow_null=True, required=False)
    chip_serial = serializers.RegexField(r"^[0-9A-Za-z:\- ]{1,64}$", allow_null=True,
                                         required=False)
    files = ReadFilesSerializer(required=False, allow_null=True)
    timings_ms = serializers.DictField(child=serializers.FloatField(min_value=0),
                                       required=False, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        if attrs["outcome"] == ReadOutcome.OK and not (attrs.get("files") or {}).get("els"):
            raise serializers.ValidationError(
                {"files": _("A successful read must carry the EF.ELS file.")})
        return attrs


class ReadAcceptedSerializer(serializers.Serializer):
    read_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["accepted", "already_received"])


class EnrolSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    public_key = serializers.CharField(max_length=2000)
    name = serializers.CharField(max_length=200)


class EnrolledSerializer(serializers.Serializer):
    device_id = serializers.UUIDField()
