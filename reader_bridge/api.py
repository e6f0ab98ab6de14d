"""The agent-facing API: enrolment and signed reads. No session or token: the device's
Ed25519 signature over the raw body is the authentication (docs/reader-protocol.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cards.api_errors import ErrorSerializer

from .errors import ReaderBridgeError
from .ingest_endpoint import bounded_body, ingest_answer
from .job_signing import server_public_key_pem
from .serializers import (
    EnrolledSerializer,
    EnrolSerializer,
    ReadAcceptedSerializer,
    ReadMessage,
)
from .services import device_enrol


def _error(exc: ReaderBridgeError) -> Response:
    detail = exc.errors if exc.errors is not None else exc.message
    return Response({"code": exc.code, "detail": detail}, status=exc.status_code)


class ReadIngestApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]  # the signature covers the raw JSON body

    @extend_schema(
        operation_id="reader_read_create",
        summary=_("Deliver a signed card read (workstation agents)"),
        request=ReadMessage,
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
        # The same answer as the WSGI fast path (ingest_endpoint) gives in production.
        body = bounded_body(request.META.get("CONTENT_LENGTH") or "",
                            lambda _size: request._request.body)  # the exact signed bytes
        code, payload = ingest_answer(device_id=request.headers.get("X-Reader-Device"),
                                      signature=request.headers.get("X-Reader-Signature"),
                                      body=body)
        return Response(payload, status=code)


class EnrolApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(operation_id="reader_enrol",
                   summary=_("Enrol a workstation agent with a one-time code"),
                   request=EnrolSerializer,
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
        return Response({"device_id": str(device.pk), "server_public_key": server_public_key_pem()},
                        status=status.HTTP_201_CREATED)
