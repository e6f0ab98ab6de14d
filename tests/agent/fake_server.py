"""A tiny stand-in for the server's reader endpoints (stdlib http.server in a thread).

It checks what the real one checks that matters to the agent (device, signature over the
raw body, idempotent message ids; for jobs the signed GET with timestamp and nonce), hands
out the jobs a test queues (signed with its own server key), records every post and every
job result, and can be taken down: `down()` closes the port (connection refused),
`failing = 503` answers with an error.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reader_bridge.agent.message import rfc3339
from reader_bridge.agent.signing import public_key_pem, sign, verify

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
        self.server_key = Ed25519PrivateKey.generate()
        self.jobs: list[dict] = []              # envelopes still to hand out
        self.results: dict[str, bytes] = {}    # job id -> first result body
        self.result_posts: list[bytes] = []
        self.nonces: set[str] = set()
        self.polls = 0
        self.results_failing: int | None = None  # results refused, jobs still handed out
        self._lock = threading.RLock()
        self.on_read: Callable[[dict], None] | None = None  # e.g. hand out a job
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

    def device_id(self) -> str:
        [device_id] = self.devices
        return device_id

    def job(self, kind: str = "write_els", *, device_id: str | None = None,
            lifetime: timedelta = timedelta(minutes=2), **fields: object) -> dict:
        """A job as the server would sign it (bytes in `file`/`content` are base64'd)."""
        now = datetime.now(UTC)
        data = {"job_id": str(uuid.uuid4()), "device_id": device_id or self.device_id(),
                "kind": kind, "issued_at": rfc3339(now), "expires_at": rfc3339(now + lifetime)}
        for name, value in fields.items():
            data[name] = base64.b64encode(value).decode() if isinstance(value, bytes) else value
        return data

    def write_job(self, chip_serial: str, old: bytes, new: bytes, **fields: object) -> dict:
        return self.job("write_els", chip_serial=chip_serial, file=new, card_number="ELS-1",
                        current_sha256=hashlib.sha256(old).hexdigest(), **fields)

    def signed(self, job: dict, key: Ed25519PrivateKey | None = None) -> dict:
        body = json.dumps(job).encode()
        return {"job": base64.b64encode(body).decode(),
                "signature": sign(key or self.server_key, body)}

    def hand_out(self, job: dict | None = None, envelope: dict | None = None) -> dict | None:
        """Queue a job (or a ready envelope, e.g. forged) for the agent's next poll."""
        with self._lock:
            self.jobs.append(envelope or self.signed(job))  # type: ignore[arg-type]
        return job

    def result_for(self, job: dict, timeout: float = 10.0) -> dict:
        self.wait_for(lambda: job["job_id"] in self.results, timeout)
        return json.loads(self.results[job["job_id"]])

    def handle(self, path: str, headers: dict[str, str], body: bytes,
               method: str = "POST") -> tuple[int, dict | None]:
        with self._lock:
            if path == "/api/readers/enrol/":
                return self._enrol(json.loads(body))
            if method == "GET" and path.startswith("/api/readers/jobs/next/"):
                return self._next_job(path, headers)
            if path.startswith("/api/readers/jobs/") and path.endswith("/result/"):
                return self._result(path, headers, body)
            if path != "/api/readers/reads/":
                return 404, {"code": "not_found"}
            status, answer = self._read(headers, body)
            self.posts.append(Post(status, body, headers))
            return status, answer

    def _next_job(self, path: str, headers: dict[str, str]) -> tuple[int, dict | None]:
        self.polls += 1
        if self.failing:
            return self.failing, {"code": "unavailable"}
        public_key = self.devices.get(headers.get("x-reader-device", ""))
        if public_key is None:
            return 403, {"code": "unknown_device"}
        nonce, timestamp = headers.get("x-reader-nonce", ""), headers.get("x-reader-timestamp", "")
        signed = f"GET\n{path}\n{timestamp}\n{nonce}".encode()
        if not verify(public_key, signed, headers.get("x-reader-signature", "")):
            return 403, {"code": "bad_signature"}
        if nonce in self.nonces:
            return 403, {"code": "replay"}
        self.nonces.add(nonce)
        if not self.jobs:
            return 204, None
        return 200, self.jobs.pop(0)

    def _result(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        if self.failing or self.results_failing:
            return self.failing or self.results_failing, {"code": "unavailable"}
        public_key = self.devices.get(headers.get("x-reader-device", ""))
        if public_key is None or not verify(public_key, body, headers.get("x-reader-signature",
                                                                            "")):
            return 403, {"code": "bad_signature"}
        job_id = path.split("/")[-3]
        if json.loads(body)["job_id"] != job_id:
            return 400, {"code": "invalid"}
        self.result_posts.append(body)
        if job_id in self.results:
            return 200, {"status": "already_received"}
        self.results[job_id] = body
        return 200, {"status": "recorded"}

    def _enrol(self, data: dict) -> tuple[int, dict]:
        if data.get("code") not in self.codes:
            return 400, {"code": "invalid_code", "detail": "Unknown or used enrolment code."}
        self.codes.discard(data["code"])
        device_id = str(uuid.uuid4())
        self.devices[device_id] = data["public_key"]
        return 201, {"device_id": device_id, "server_public_key": public_key_pem(self.server_key)}

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
        if self.on_read:
            self.on_read(json.loads(body))
        return 201, {"read_id": len(self.stored), "status": "accepted"}


def _handler_for(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._answer(*server.handle(self.path, self._headers(), body))

        def do_GET(self) -> None:  # noqa: N802
            deadline = time.monotonic() + 1.0  # the long poll, shortened
            while not server.jobs and time.monotonic() < deadline and not server.failing:
                time.sleep(0.01)
            self._answer(*server.handle(self.path, self._headers(), b"", method="GET"))

        def _headers(self) -> dict[str, str]:
            return {key.lower(): value for key, value in self.headers.items()}

        def _answer(self, status: int, answer: dict | None) -> None:
            payload = b"" if answer is None else json.dumps(answer).encode()
            self.send_response(status)
            if answer is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    return Handler
