"""The card profile: what the card OS wants before it lets EF.ELS be rewritten.

The write access condition is issuer-specific and not public, so each university names
its own in `card-profile.json` in the state directory (mode 0600: it may hold a PIN):

    {"profile": "none"}
        the card takes UPDATE BINARY without a condition
    {"profile": "verify-pin", "key_reference": "81", "pin": "1234", "pad_to": 8,
     "pad_byte": "FF"}
        VERIFY (00 20 00 <key_reference> <pin padded to pad_to with pad_byte>) first

Without a profile the agent refuses write jobs: guessing would only count down the PIN's
retry counter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from reader_bridge.agent.apdu import Transport, exchange
from reader_bridge.agent.storage import write_durably

PROFILES = ("none", "verify-pin")


class ProfileError(Exception):
    """The card profile is missing or malformed; the message says how to fix it."""


@dataclass(frozen=True)
class CardProfile:
    name: str
    key_reference: int = 0x81
    pin: bytes = b""

    def open_for_writing(self, transport: Transport) -> None:
        """Satisfy the write access condition of EF.ELS (selected); ReadFailure if refused."""
        if self.name == "verify-pin":
            exchange(transport, bytes([0x00, 0x20, 0x00, self.key_reference, len(self.pin)])
                     + self.pin, "verify")

    def describe(self) -> str:
        if self.name == "verify-pin":
            return f"verify-pin (VERIFY, key reference {self.key_reference:02X})"
        return self.name


def parse_profile(settings: dict) -> CardProfile:
    name = settings.get("profile")
    if name not in PROFILES:
        raise ProfileError(f"unknown card profile {name!r}; choose one of {', '.join(PROFILES)}")
    if name == "none":
        return CardProfile("none")
    try:
        key_reference = int(str(settings["key_reference"]), 16)
        pin = str(settings["pin"]).encode("ascii")
        pad_to = int(settings.get("pad_to", 0))
        pad_byte = bytes.fromhex(str(settings.get("pad_byte", "FF")))
    except (KeyError, ValueError, UnicodeEncodeError) as error:
        raise ProfileError(f"verify-pin needs key_reference (hex), pin (ASCII), optionally "
                           f"pad_to and pad_byte (hex): {error}") from error
    if not (0 <= key_reference <= 0xFF and len(pad_byte) == 1 and pin
            and (pad_to == 0 or len(pin) <= pad_to)):
        raise ProfileError("verify-pin: key_reference is one byte, pad_byte one byte, "
                           "the PIN not empty and not longer than pad_to")
    return CardProfile("verify-pin", key_reference, pin.ljust(pad_to, pad_byte))


class CardProfileFile:
    """`card-profile.json`, refused when others can read it (it may hold the write PIN)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> CardProfile:
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            raise ProfileError(f"no card profile ({self.path} missing): set one with "
                               "`legitymacje-reader card-profile …` (docs/agent.md)") from None
        if mode & 0o077:
            raise ProfileError(f"{self.path} is readable by others; run: chmod 600 {self.path}")
        try:
            settings = json.loads(self.path.read_text())
        except ValueError as error:
            raise ProfileError(f"{self.path} is not JSON: {error}") from error
        return parse_profile(settings)

    def save(self, settings: dict) -> CardProfile:
        profile = parse_profile(settings)  # never store a profile the agent would refuse
        write_durably(self.path, json.dumps(settings, indent=2).encode())
        return profile
