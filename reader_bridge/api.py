"""The agent-facing API: enrolment and signed reads. No session or token: the device's
Ed25519 signature over the raw body is the authentication (docs/reader-protocol.md)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from legitymacje.api_errors import ErrorSerializer

from .errors import ReaderBridgeError
from .serializers import (
    EnrolledSerializer,
    EnrolSerializer,
    ReadAcceptedSerializer,
    ReadMessageSerializer,
)
from .services import MAX_BODY_BYTES, device_enrol, read_ingest


def _error(exc: ReaderBridgeError) -> Response:
    detail = exc.errors if exc.errors is not None else exc.message
    return Response({"code": exc.code, "detail": detail}, status=exc.status_code)


def _too_large() -> Response:
    return Response({"code": "too_large", "detail": "The message is larger than 64 KiB."},
                    status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)


class ReadIngestApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="reader_read_create",
        request=ReadMessageSerializer,
        parameters=[
            OpenApiParameter("X-Reader-Device", str, OpenApiParameter.HEADER, required=True,
                             description="The device id received at enrolment."),
            OpenApiParameter("X-Reader-Signature", str, OpenApiParameter.HEADER,
                             required=True,
                             description="Base64 Ed25519 signature over the exact body."),
        ],
        responses={
            201: ReadAcceptedSerializer,
            200: OpenApiResponse(ReadAcceptedSerializer, description="Retry of a stored read."),
            400: ErrorSerializer, 403: ErrorSerializer, 409: ErrorSerializer,
            413: ErrorSerializer,
        },
    )
    def post(self, request):
        body = _bounded_body(request)
        if body is None:
            return _too_large()
        try:
            read, created = read_ingest(device_id=request.headers.get("X-Reader-Device"),
                                        signature=request.headers.get("X-Reader-Signature"),
                                        body=body)
        except ReaderBridgeError as exc:
            return _error(exc)
        return Response({"read_id": read.pk, "status": "accepted" if created
                         else "already_received"},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _bounded_body(request) -> bytes | None:
    """The raw body, or None when it is over the limit (read at most limit + 1 bytes)."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = request._request.body  # the exact bytes the signature covers
    return None if len(body) > MAX_BODY_BYTES else body


class EnrolApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(operation_id="reader_enrol", request=EnrolSerializer,
                   responses={201: EnrolledSerializer, 400: ErrorSerializer})
    def post(self, request):
        data = EnrolSerializer(data=request.data)
        if not data.is_valid():
            return Response({"code": "invalid", "detail": data.errors},
                            status=status.HTTP_400_BAD_REQUEST)
        try:
            device = device_enrol(code=data.validated_data["code"],
                                  public_key_pem=data.validated_data["public_key"],
                                  name=data.validated_data["name"])
        except ReaderBridgeError as exc:
            return _error(exc)
        return Response({"device_id": str(device.pk)}, status=status.HTTP_201_CREATED)
