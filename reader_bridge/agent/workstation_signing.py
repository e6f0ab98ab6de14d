"""Signing at the workstation: the employee's qualified-signature card through PKCS#11.

`signing.json` in the state directory names the card's PKCS#11 module (OpenSC's
`opensc-pkcs11.so` or the vendor's), the token label and the key; `run` asks for the PIN
at start. The PIN stays in this process: it is never written down and never sent.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from reader_bridge.agent.storage import write_durably


class SigningSetupError(Exception):
    pass


@dataclass(frozen=True)
class SigningCard:
    module: str
    token_label: str
    key_label: str | None = None
    key_id: str | None = None  # hex

    def open(self, pin: str) -> Any:
        """A `cards.chip_signing.Pkcs11Signer` logged in to the card."""
        try:
            from cards.chip_signing import Pkcs11Signer, SigningError
        except ImportError as error:
            raise SigningSetupError("workstation signing needs python-pkcs11 "
                                    "(pip install 'legitymacje[agent]')") from error
        try:
            return Pkcs11Signer(self.module, self.token_label, pin, key_label=self.key_label,
                                key_id=self.key_id)
        except SigningError as error:
            raise SigningSetupError(str(error)) from error


class SigningCardFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> SigningCard | None:
        try:
            return SigningCard(**json.loads(self.path.read_text()))
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as error:
            raise SigningSetupError(f"{self.path} is not a signing card setting: {error}") \
                from error

    def save(self, card: SigningCard | None) -> None:
        if card is None:
            self.path.unlink(missing_ok=True)
            return
        if not (card.key_label or card.key_id):
            raise SigningSetupError("name the signing key: --key-label or --key-id")
        write_durably(self.path, json.dumps(asdict(card), indent=2).encode())
