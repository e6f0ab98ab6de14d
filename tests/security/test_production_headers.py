"""The security headers as the production server (gunicorn, DEBUG=0, behind the TLS
proxy) sends them."""

from __future__ import annotations

import pytest

from tests.reader_bridge.test_production_server import production_server  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
HTTPS = {"X-Forwarded-Proto": "https"}


def _get(connect, path: str, headers: dict):
    client = connect()
    client.request("GET", path, headers=headers)
    answer = client.getresponse()
    answer.read()
    return answer


def test_pages_over_https_carry_every_security_header(production_server):  # noqa: F811
    """One server start (collectstatic and gunicorn take a while) for all the checks."""
    page = _get(production_server, "/login/", HTTPS)
    assert page.status == 200
    assert page.getheader("Strict-Transport-Security") == (
        "max-age=31536000; includeSubDomains; preload")
    csp = page.getheader("Content-Security-Policy")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "camera=()" in page.getheader("Permissions-Policy")
    assert "no-store" in page.getheader("Cache-Control")
    assert page.getheader("X-Frame-Options") == "DENY"
    assert page.getheader("X-Content-Type-Options") == "nosniff"
    assert page.getheader("Referrer-Policy") == "same-origin"
    assert "Secure" in page.getheader("Set-Cookie")  # the CSRF cookie never goes over http
    # plain http is sent to https; static files stay cacheable
    redirect = _get(production_server, "/login/", {})
    assert redirect.status == 301
    assert redirect.getheader("Location").startswith("https://127.0.0.1:")
    assert redirect.getheader("Location").endswith("/login/")
    static = _get(production_server, "/static/css/app.css", HTTPS)
    assert static.status == 200
    assert "no-store" not in (static.getheader("Cache-Control") or "")
