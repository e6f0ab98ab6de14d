"""The read ingest endpoint as a bare WSGI handler in front of Django.

Workstations post every card read here. On two cores, Django's middleware stack and
DRF's request handling cost more CPU than the work itself (one signature check and one
INSERT), so `IngestFastPath` answers POST /api/readers/reads/ before them, with the very
same `read_ingest` service and answers as `ReadIngestApi` (which stays for the OpenAPI
schema and for servers run without this wrapper). Nothing here needs a session, a user,
CSRF or a template: the device's signature is the authentication.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished, request_started
from django.utils.translation import gettext as _

from .errors import ReaderBridgeError
from .services import MAX_BODY_BYTES, message_too_large, read_ingest

INGEST_PATH = "/api/readers/reads/"
log = logging.getLogger(__name__)


def ingest_answer(*, device_id: str | None, signature: str | None,
                  body: bytes | None) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for one posted read; `body` None means over the limit."""
    try:
        if body is None:
            raise message_too_large()
        read_id, created = read_ingest(device_id=device_id, signature=signature, body=body)
    except ReaderBridgeError as exc:
        detail = exc.errors if exc.errors is not None else exc.message
        return exc.status_code, {"code": exc.code, "detail": detail}
    return (201 if created else 200), {
        "read_id": read_id, "status": "accepted" if created else "already_received"}


def bounded_body(declared_length: str, read) -> bytes | None:
    """The raw body, or None when it is (declared) over the limit; reads at most limit+1."""
    if declared_length and (not declared_length.isdigit()
                            or int(declared_length) > MAX_BODY_BYTES):
        return None
    body = read(int(declared_length or 0))
    return None if len(body) > MAX_BODY_BYTES else body


class IngestFastPath:
    def __init__(self, django_app) -> None:
        self.django_app = django_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != INGEST_PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.django_app(environ, start_response)
        if settings.SECURE_SSL_REDIRECT and not WSGIRequest(environ).is_secure():
            # Where Django would redirect a page to HTTPS: a POST cannot follow a redirect.
            return self._answer(start_response, 403, {
                "code": "https_required", "detail": _("Reads are accepted over HTTPS only.")})
        # Django's request signals: they recycle database connections as in any request
        # (and the test runner can keep its transaction open).
        request_started.send(sender=self.__class__, environ=environ)
        try:
            body = bounded_body(environ.get("CONTENT_LENGTH") or "", environ["wsgi.input"].read)
            status, payload = ingest_answer(device_id=environ.get("HTTP_X_READER_DEVICE"),
                                            signature=environ.get("HTTP_X_READER_SIGNATURE"),
                                            body=body)
        except Exception:
            log.exception("read ingest failed")
            status, payload = 500, {"code": "server_error", "detail": _("Server error.")}
        finally:
            request_finished.send(sender=self.__class__)
        return self._answer(start_response, status, payload)

    @staticmethod
    def _answer(start_response, status: int, payload: dict[str, Any]):
        data = json.dumps(payload).encode()
        start_response(f"{status} {HTTPStatus(status).phrase}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]
