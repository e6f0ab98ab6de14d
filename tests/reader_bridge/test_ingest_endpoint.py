"""The WSGI fast path in front of Django answers reads exactly like the API view."""

import io
import json
from wsgiref.util import setup_testing_defaults

import pytest

from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from legitymacje.wsgi import application
from reader_bridge.models import CardRead

from .factories import ReaderDeviceFactory, read_body, signed_headers

pytestmark = pytest.mark.django_db


def call(path, body=b"", method="POST", **headers):
    environ = {"PATH_INFO": path, "REQUEST_METHOD": method, "CONTENT_LENGTH": str(len(body)),
               "CONTENT_TYPE": "application/json", "wsgi.input": io.BytesIO(body), **headers}
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, response_headers):
        answer["status"] = int(status.split()[0])

    # As Django's test client does: keep the test's connection (and transaction) open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = application(environ, start_response)
        content = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], content


def test_signed_read_is_stored_once_and_a_retry_answers_200(no_processing):
    device = ReaderDeviceFactory()
    body = read_body()
    headers = signed_headers(device, body)
    status, content = call("/api/readers/reads/", body, **headers)
    assert status == 201 and json.loads(content)["status"] == "accepted"
    status, content = call("/api/readers/reads/", body, **headers)
    assert status == 200 and json.loads(content)["status"] == "already_received"
    assert CardRead.objects.count() == 1


def test_bad_signature_and_oversized_body_store_nothing(no_processing):
    device = ReaderDeviceFactory()
    body = read_body()
    headers = {**signed_headers(device, body), "HTTP_X_READER_SIGNATURE": "AAAA"}
    status, content = call("/api/readers/reads/", body, **headers)
    assert status == 403 and json.loads(content)["code"] == "bad_signature"
    status, _content = call("/api/readers/reads/", b"x" * (64 * 1024 + 1),
                            **signed_headers(device, b"x"))
    assert status == 413
    assert not CardRead.objects.exists()


def test_other_requests_go_to_django():
    status, _content = call("/api/readers/reads/", method="GET")
    assert status in (401, 403, 405)
    status, _content = call("/login/", method="GET")
    assert status == 200


def test_production_accepts_reads_over_https_only(settings, no_processing):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    device = ReaderDeviceFactory()
    body = read_body()

    status, content = call("/api/readers/reads/", body, **signed_headers(device, body))
    assert (status, json.loads(content)["code"]) == (403, "https_required")
    assert not CardRead.objects.exists()

    status, _content = call("/api/readers/reads/", body, HTTP_X_FORWARDED_PROTO="https",
                            **signed_headers(device, body))
    assert status == 201
