"""The agent's state directory: enrolment, private key and the outbox of reads.

    config.json   server URL, device id, name (written by `enrol`)
    key.pem       Ed25519 private key, mode 0600
    server_key.pem the server's Ed25519 public key that signs jobs (from `enrol`)
    card-profile.json  the card's write access condition, mode 0600 (card_profile.py)
    signing.json  the employee's signing card, if this workstation signs (workstation_signing.py)
    queue/        reads not yet accepted by the server, one file per sequence number
    rejected/     reads the server refused for good, with the reason next to each
    results/      job results, queued and delivered like reads (queue/, rejected/)
    jobs/         what was done with each job (journal.py)
    delivery.json the last delivery attempt (for `status`)
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reader_bridge.agent.card_profile import CardProfileFile
from reader_bridge.agent.journal import JobJournal
from reader_bridge.agent.outbox import Outbox
from reader_bridge.agent.signing import load_key
from reader_bridge.agent.storage import write_durably
from reader_bridge.agent.workstation_signing import SigningCardFile

DEFAULT_STATE_DIR = Path("~/.local/state/legitymacje-reader")


class NotEnrolled(Exception):
    pass


@dataclass(frozen=True)
class Config:
    server: str
    device_id: str
    name: str
    ca_file: str | None = None  # a private CA for the server's TLS certificate

    def endpoint(self, path: str) -> str:
        return self.server.rstrip("/") + path

    @property
    def verify(self) -> str | bool:
        return self.ca_file or True


class State:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.path, 0o700)
        self.config_file = self.path / "config.json"
        self.key_file = self.path / "key.pem"
        self.server_key_file = self.path / "server_key.pem"
        self.delivery_file = self.path / "delivery.json"
        self.outbox = Outbox(self.path)
        self.results = Outbox(self.path / "results")
        self.journal = JobJournal(self.path / "jobs")
        self.card_profile = CardProfileFile(self.path / "card-profile.json")
        self.signing_card = SigningCardFile(self.path / "signing.json")

    def config(self) -> Config:
        try:
            return Config(**json.loads(self.config_file.read_text()))
        except FileNotFoundError:
            raise NotEnrolled(
                f"not enrolled ({self.config_file} missing): run "
                "`legitymacje-reader enrol --server URL --code CODE` first") from None

    def save_config(self, config: Config) -> None:
        write_durably(self.config_file, json.dumps(asdict(config), indent=2).encode())

    def key(self) -> Ed25519PrivateKey:
        return load_key(self.key_file)

    def server_public_key(self) -> str | None:
        """The PEM that job signatures must verify with; None if enrolled without one."""
        try:
            return self.server_key_file.read_text()
        except FileNotFoundError:
            return None

    def last_delivery(self, noun: str = "read") -> dict | None:
        try:
            return json.loads(self._delivery_file(noun).read_text())
        except (FileNotFoundError, ValueError):
            return None

    def note_delivery(self, noun: str, **facts: object) -> None:
        self._delivery_file(noun).write_text(json.dumps(facts))

    def _delivery_file(self, noun: str) -> Path:
        return self.delivery_file if noun == "read" else self.results.queue_dir.parent \
            / "delivery.json"
