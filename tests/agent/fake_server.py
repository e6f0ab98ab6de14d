"""A tiny stand-in for the server's reader endpoints (stdlib http.server in a thread).

It checks what the real one checks that matters to the agent (device, signature over the
raw body, idempotent message ids), records every post, and can be taken down: `down()`
closes the port (connection refused), `failing = 503` answers with an error.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from reader_bridge.agent.signing import verify

ENROL_CODE = "ENROL-ME-1"


@dataclass
class Post:
    status: int
    body: bytes
    headers: dict[str, str]


class FakeServer:
    def __init__(self) -> None:
        self.devices: dict[str, str] = {}      # device id -> public key PEM
        self.stored: dict[str, bytes] = {}     # message id -> body, in arrival order
        self.posts: list[Post] = []
        self.codes = {ENROL_CODE}
        self.failing: int | None = None
        self.reject_with: int | None = None
        self.https_only = False
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self.port = 0
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()

    def down(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def messages(self) -> list[dict]:
        with self._lock:
            return [json.loads(body) for body in self.stored.values()]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; stored: {self.messages()}")
            time.sleep(0.01)

    def wait_for_messages(self, count: int, timeout: float = 10.0) -> list[dict]:
        self.wait_for(lambda: len(self.stored) >= count, timeout)
        return self.messages()

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        with self._lock:
            if path == "/api/readers/enrol/":
                return self._enrol(json.loads(body))
            if path != "/api/readers/reads/":
                return 404, {"code": "not_found"}
            status, answer = self._read(headers, body)
            self.posts.append(Post(status, body, headers))
            return status, answer

    def _enrol(self, data: dict) -> tuple[int, dict]:
        if data.get("code") not in self.codes:
            return 400, {"code": "invalid_code", "detail": "Unknown or used enrolment code."}
        self.codes.discard(data["code"])
        device_id = str(uuid.uuid4())
        self.devices[device_id] = data["public_key"]
        return 201, {"device_id": device_id}

    def _read(self, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        if self.failing:
            return self.failing, {"code": "unavailable"}
        if self.https_only:
            return 403, {"code": "https_required", "detail": "Reads are accepted over HTTPS only."}
        public_key = self.devices.get(headers.get("x-reader-device", ""))
        if public_key is None:
            return 403, {"code": "unknown_device"}
        if not verify(public_key, body, headers.get("x-reader-signature", "")):
            return 403, {"code": "bad_signature"}
        if self.reject_with:
            return self.reject_with, {"code": "invalid"}
        message_id = json.loads(body)["message_id"]
        if message_id in self.stored:
            if self.stored[message_id] != body:
                return 409, {"code": "replay"}
            return 200, {"status": "accepted"}
        self.stored[message_id] = body
        return 201, {"read_id": len(self.stored), "status": "accepted"}


def _handler_for(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, answer = server.handle(self.path, headers, body)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    return Handler
