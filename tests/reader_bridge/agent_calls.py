"""The agent's side of the job channel, played by the tests with signed HTTP calls."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

from cryptography.hazmat.primitives import serialization

from django.utils import timezone

from reader_bridge.job_signing import server_public_key_pem

from .factories import device_key

NEXT_PATH = "/api/readers/jobs/next/"


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def poll_headers(device, *, path: str, key=None, timestamp: dt.datetime | None = None,
                 nonce: str | None = None) -> dict:
    stamp = _utc(timestamp or timezone.now())
    nonce = nonce or str(uuid.uuid4())
    message = f"GET\n{path}\n{stamp}\n{nonce}".encode()
    signature = base64.b64encode((key or device_key()).sign(message)).decode()
    return {"HTTP_X_READER_DEVICE": str(device.pk), "HTTP_X_READER_TIMESTAMP": stamp,
            "HTTP_X_READER_NONCE": nonce, "HTTP_X_READER_SIGNATURE": signature}


def fetch(client, device, *, wait: int = 0, **options):
    path = f"{NEXT_PATH}?wait={wait}"
    return client.get(path, **poll_headers(device, path=path, **options))


def opened_job(response) -> dict:
    """The job JSON of a 200 answer, after checking the server's signature on it."""
    answer = response.json()
    data = base64.b64decode(answer["job"])
    public_key = serialization.load_pem_public_key(server_public_key_pem().encode())
    public_key.verify(base64.b64decode(answer["signature"]), data)  # raises if forged
    return json.loads(data)


def result_body(job: dict, outcome: str, **fields) -> bytes:
    body = {"job_id": job["job_id"], "outcome": outcome, "chip_serial": job["chip_serial"],
            "read_back": None, "signed_file": None, "failed_step": None, "status_word": None,
            "detail": None, "timings_ms": {"total": 10.0}}
    for name in ("read_back", "signed_file"):
        if isinstance(fields.get(name), bytes):
            fields[name] = base64.b64encode(fields[name]).decode()
    return json.dumps({**body, **fields}, separators=(",", ":")).encode()


def post_result(client, device, job_id: str, body: bytes, key=None):
    signature = base64.b64encode((key or device_key()).sign(body)).decode()
    return client.post(f"/api/readers/jobs/{job_id}/result/", data=body,
                       content_type="application/json", HTTP_X_READER_DEVICE=str(device.pk),
                       HTTP_X_READER_SIGNATURE=signature)


def written(client, device, job: dict, read_back: bytes | None = None):
    """Report a write of the job's file (or of `read_back`, when the chip says otherwise)."""
    file = base64.b64decode(job["file"]) if read_back is None else read_back
    return post_result(client, device, job["job_id"], result_body(job, "written", read_back=file))
