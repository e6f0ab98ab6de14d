"""The agent's job endpoints: a signed long poll for the next job and signed results.

No session or token: the device's Ed25519 signature is the authentication, as for reads
(docs/reader-protocol.md, "Jobs").
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cards.api_errors import ErrorSerializer

from .errors import ReaderBridgeError
from .extension import job_result_record
from .ingest_endpoint import bounded_body
from .job_channel import job_signed, job_wait, poll_authenticate, result_authenticate
from .serializers import JobAnswerSerializer, JobResult, JobResultAnswerSerializer


def _error(exc: ReaderBridgeError) -> Response:
    detail = exc.errors if exc.errors is not None else exc.message
    return Response({"code": exc.code, "detail": detail}, status=exc.status_code)


def _header(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, OpenApiParameter.HEADER, required=True,
                            description=description)


DEVICE_HEADER = _header("X-Reader-Device", "The device id received at enrolment.")


class JobNextApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="reader_job_next",
        summary=_("Wait for the next job for this reader (workstation agents)"),
        parameters=[
            OpenApiParameter("wait", int, OpenApiParameter.QUERY,
                             description="Seconds to hold the request open (0–25)."),
            DEVICE_HEADER,
            _header("X-Reader-Timestamp", "RFC 3339 UTC, within 5 minutes of the server."),
            _header("X-Reader-Nonce", "A UUID never used before by this device."),
            _header("X-Reader-Signature", "Base64 Ed25519 over "
                    "\"GET\\n<path with query>\\n<timestamp>\\n<nonce>\"."),
        ],
        responses={200: JobAnswerSerializer,
                   204: OpenApiResponse(description="No job is due."),
                   400: ErrorSerializer, 403: ErrorSerializer, 409: ErrorSerializer},
    )
    def get(self, request):
        query = request.META.get("QUERY_STRING", "")
        path = request.path + (f"?{query}" if query else "")
        try:
            device = poll_authenticate(
                device_id=request.headers.get("X-Reader-Device"),
                timestamp=request.headers.get("X-Reader-Timestamp"),
                nonce=request.headers.get("X-Reader-Nonce"),
                signature=request.headers.get("X-Reader-Signature"), path=path)
        except ReaderBridgeError as exc:
            return _error(exc)
        try:
            wait = int(request.query_params.get("wait", "0"))
        except ValueError:
            return Response({"code": "invalid", "detail": str(_("wait must be a number."))},
                            status=400)
        job = job_wait(device.pk, wait_seconds=wait)
        if job is None:
            return Response(status=204)
        return Response(job_signed(job))


class JobResultApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]  # the signature covers the raw JSON body

    @extend_schema(
        operation_id="reader_job_result",
        summary=_("Deliver the signed result of a job (workstation agents)"),
        request=JobResult,
        parameters=[DEVICE_HEADER,
                    _header("X-Reader-Signature", "Base64 Ed25519 over the exact body.")],
        responses={200: JobResultAnswerSerializer, 400: ErrorSerializer,
                   403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer,
                   413: ErrorSerializer},
    )
    def post(self, request, job_id):
        body = bounded_body(request.META.get("CONTENT_LENGTH") or "",
                            lambda _size: request._request.body)  # the exact signed bytes
        try:
            device, result, digest = result_authenticate(
                job_id=str(job_id), device_id=request.headers.get("X-Reader-Device"),
                signature=request.headers.get("X-Reader-Signature"), body=body)
            answer = job_result_record(job_id=str(job_id), device_pk=device.pk,
                                       result=result, body_sha256=digest)
        except ReaderBridgeError as exc:
            return _error(exc)
        return Response({"status": answer})
