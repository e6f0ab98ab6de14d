"""`legitymacje-reader`: enrol the workstation, run the reader loop, simulate, show status."""

from __future__ import annotations

import argparse
import getpass
import logging
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import httpx

from reader_bridge.agent import __version__
from reader_bridge.agent.card_profile import PROFILES, ProfileError
from reader_bridge.agent.signing import create_key, public_key_pem
from reader_bridge.agent.simulate import FAILURES, SIMULATED_READER, simulated_read
from reader_bridge.agent.state import DEFAULT_STATE_DIR, Config, NotEnrolled, State
from reader_bridge.agent.storage import write_durably
from reader_bridge.agent.workstation_signing import SigningCard, SigningSetupError

log = logging.getLogger("legitymacje_reader")

ENROL_PATH = "/api/readers/enrol/"


class UsageError(Exception):
    pass


def enrol(state: State, server: str, code: str, name: str, ca_file: str | None,
          force: bool) -> str:
    if state.config_file.exists() and not force:
        raise UsageError(f"already enrolled as {state.config().device_id}; "
                         "pass --force to enrol again with a new key")
    if pending := state.outbox.pending():
        log.warning("%d queued reads will be sent under the new device", len(pending))
    # The new key replaces the old one only once the server has accepted it.
    new_key_file = state.key_file.with_name("key.pem.new")
    key = create_key(new_key_file)
    config = Config(server=server, device_id="", name=name, ca_file=ca_file)
    try:
        response = httpx.post(config.endpoint(ENROL_PATH), timeout=15, verify=config.verify,
                              json={"code": code, "public_key": public_key_pem(key),
                                    "name": name})
    except httpx.HTTPError as error:
        new_key_file.unlink()
        raise UsageError(f"cannot reach {server}: {error}") from error
    if response.status_code != 201:
        new_key_file.unlink()
        raise UsageError(f"enrolment refused ({response.status_code}): {response.text[:500]}")
    answer = response.json()
    device_id = answer["device_id"]
    new_key_file.replace(state.key_file)
    # The key the server signs jobs with; a server without one hands out no jobs.
    if server_key := answer.get("server_public_key"):
        write_durably(state.server_key_file, server_key.encode())
    else:
        state.server_key_file.unlink(missing_ok=True)
    state.save_config(Config(server=server, device_id=device_id, name=name, ca_file=ca_file))
    return device_id


def run(state: State, apdu_timeout: float, pin_stdin: bool = False) -> int:
    from reader_bridge.agent.runner import Agent

    signer = _open_signing_card(state, pin_stdin)
    agent = Agent(state, apdu_timeout=apdu_timeout, signer=signer)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    config = state.config()
    log.info("legitymacje-reader %s: device %s, server %s, state %s", __version__,
             config.device_id, config.server, state.path)
    agent.start()
    stopped.wait()
    log.info("stopping")
    agent.stop()
    if signer is not None:
        signer.close()
    return 0


def _open_signing_card(state: State, pin_stdin: bool):
    """The employee's signing card, logged in with the PIN typed here (None: not set up)."""
    try:
        card = state.signing_card.load()
        if card is None:
            return None
        pin = sys.stdin.readline().rstrip("\n") if pin_stdin else \
            getpass.getpass(f"PIN of the signing card {card.token_label}: ")
        signer = card.open(pin)
    except SigningSetupError as error:
        raise UsageError(f"signing card: {error}") from error
    log.info("signing card %s ready", card.token_label)
    return signer


def signing_card(state: State, module: str | None, token_label: str | None,
                 key_label: str | None, key_id: str | None, off: bool) -> int:
    """Show, set or remove the employee's signing card (`signing.json`)."""
    try:
        if off:
            state.signing_card.save(None)
        elif module or token_label:
            if not (module and token_label):
                raise UsageError("give both --module and --token")
            state.signing_card.save(SigningCard(module, token_label, key_label, key_id))
        card = state.signing_card.load()
    except SigningSetupError as error:
        raise UsageError(str(error)) from error
    print(f"signing card: {_describe(card)}")
    return 0


def _describe(card: SigningCard | None) -> str:
    if card is None:
        return "none (this workstation does not sign)"
    key = f"key label {card.key_label}" if card.key_label else f"key id {card.key_id}"
    return f"token {card.token_label!r}, {key}, module {card.module}"


def simulate(state: State, els_file: Path, cert_file: Path | None, failure: str | None,
             count: int, interval: float, reader_name: str, wait: float,
             chip_serial: str | None = None, writable: bool = False) -> int:
    from reader_bridge.agent.delivery import Deliverer
    from reader_bridge.agent.runner import record

    cert = cert_file.read_bytes() if cert_file else None
    deliverer = Deliverer(state, backoff_first=0.5, backoff_max=5.0)
    rejected_before = set(state.outbox.rejected())

    def insert() -> None:
        record(state, simulated_read(els_file.read_bytes(), cert, failure, reader_name,
                                     chip_serial))
        deliverer.deliver_pending()

    try:
        if writable:
            return _serve_write_jobs(state, els_file, cert, chip_serial, wait, insert,
                                     deliverer)
        for number in range(count):
            if number:
                time.sleep(interval)
            insert()
        _deliver_within(deliverer, wait)
    finally:
        deliverer.close()
    return _report_refused(state, rejected_before) or _report_queued(state)


def _report_refused(state: State, rejected_before: set[int]) -> int:
    """4 when the server refused a read (e.g. 403 after the demo reader's key changed):
    `make demo-read` must not look like a success."""
    refused = sorted(set(state.outbox.rejected()) - rejected_before)
    for sequence in refused:
        reason = state.outbox.rejected_dir / f"{sequence:012d}.reason.json"
        print(f"read {sequence} REFUSED by the server: {reason.read_text()[:500]}",
              file=sys.stderr)
    return 4 if refused else 0


def _deliver_within(deliverer, wait: float) -> None:
    deadline = time.monotonic() + wait
    while (delay := deliverer.deliver_pending()) is not None:
        if time.monotonic() + delay > deadline:
            break
        time.sleep(delay)


def _report_queued(state: State) -> int:
    left = len(state.outbox.pending())
    if left:
        print(f"{left} read(s) still queued in {state.outbox.queue_dir}; "
              "`run` or the next `simulate` delivers them")
        return 3
    return 0


def _serve_write_jobs(state: State, els_file: Path, cert: bytes | None,
                      chip_serial: str | None, wait: float, insert, deliverer) -> int:
    from reader_bridge.agent.simulate import WritableChip, serve_jobs

    if not chip_serial:
        raise UsageError("--writable needs --chip-serial (the job names the chip it may write)")
    if state.server_public_key() is None:
        raise UsageError("this state directory has no server key: jobs are off")
    before = els_file.read_bytes()
    outcome = serve_jobs(state, WritableChip(els_file, cert, chip_serial), wait, insert)
    _deliver_within(deliverer, 5)
    if outcome is None:
        print(f"no job came within {wait:.0f} s (is an extension armed for this reader?)")
        return 4
    changed = els_file.read_bytes() != before
    print(f"job {outcome}; chip file {'rewritten' if changed else 'unchanged'}: {els_file}")
    return 0 if outcome == "written" else 5


def card_profile(state: State, profile: str | None, key_reference: str, pad_to: int,
                 pad_byte: str, pin_stdin: bool) -> int:
    """Show or set the card's write access condition (`card-profile.json`)."""
    if profile is None:
        try:
            print(f"card profile: {state.card_profile.load().describe()}")
        except ProfileError as error:
            print(f"card profile: {error}")
        return 0
    settings: dict[str, object] = {"profile": profile}
    if profile == "verify-pin":
        pin = sys.stdin.readline().strip() if pin_stdin else getpass.getpass("Write PIN: ")
        settings.update(key_reference=key_reference, pin=pin, pad_to=pad_to, pad_byte=pad_byte)
    try:
        saved = state.card_profile.save(settings)
    except ProfileError as error:
        raise UsageError(str(error)) from error
    print(f"card profile: {saved.describe()} (in {state.card_profile.path})")
    return 0


def status(state: State) -> int:
    try:
        config = state.config()
        print(f"device:   {config.device_id} ({config.name})\nserver:   {config.server}")
    except NotEnrolled as error:
        print(f"device:   {error}")
    pending = state.outbox.pending()
    print(f"state:    {state.path}")
    print(f"queued:   {len(pending)}" + (f" (sequence {pending[0].sequence}..."
                                          f"{pending[-1].sequence})" if pending else ""))
    print(f"rejected: {len(state.outbox.rejected())} (see {state.outbox.rejected_dir})")
    last = state.last_delivery()
    if last:
        print(f"last delivery: read {last['sequence']} at {last['at']}: {last['result']}")
    jobs = "on" if state.server_public_key() else "off (no server key: enrol again)"
    print(f"results:  {len(state.results.pending())} queued, "
          f"{len(state.results.rejected())} rejected; jobs {jobs}")
    if last_result := state.last_delivery("result"):
        print(f"last result delivery: {last_result['at']}: {last_result['result']}")
    try:
        print(f"card profile: {state.card_profile.load().describe()}")
    except ProfileError as error:
        print(f"card profile: {error}")
    try:
        print(f"signing card: {_describe(state.signing_card.load())}")
    except SigningSetupError as error:
        print(f"signing card: {error}")
    print(f"readers:  {_readers_line()}")
    return 0


def _readers_line() -> str:
    try:
        from reader_bridge.agent.pcsc import ServiceLost, list_readers
    except ImportError:
        return "pyscard is not installed (pip install 'legitymacje[agent]')"
    try:
        return ", ".join(list_readers()) or "none connected"
    except ServiceLost as error:
        return f"pcscd not available ({error})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="legitymacje-reader", description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR,
                        help="enrolment, key and queue (default: %(default)s)")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)

    enrol_cmd = commands.add_parser("enrol", help="register this workstation (once)")
    enrol_cmd.add_argument("--server", required=True, help="e.g. https://cards.example.edu")
    enrol_cmd.add_argument("--code", required=True, help="one-time code from the admin")
    enrol_cmd.add_argument("--name", default=socket.gethostname())
    enrol_cmd.add_argument("--ca-file", help="CA bundle for the server's TLS certificate")
    enrol_cmd.add_argument("--force", action="store_true", help="enrol again with a new key")

    run_cmd = commands.add_parser("run", help="watch the readers and post every read")
    run_cmd.add_argument("--apdu-timeout", type=float, default=5.0,
                         help="seconds a card may take to answer one command")
    run_cmd.add_argument("--pin-stdin", action="store_true",
                         help="read the signing card's PIN from standard input, not a prompt")

    signing_cmd = commands.add_parser(
        "signing-card", help="show or set the employee's signing card (PKCS#11)")
    signing_cmd.add_argument("--module", help="PKCS#11 module, e.g. "
                             "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")
    signing_cmd.add_argument("--token", help="the token (card) label")
    signing_cmd.add_argument("--key-label", help="the signing key's label")
    signing_cmd.add_argument("--key-id", help="the signing key's id (hex)")
    signing_cmd.add_argument("--off", action="store_true", help="this workstation does not sign")

    sim = commands.add_parser("simulate", help="post reads from a simulated reader (demo)")
    sim.add_argument("--els-file", type=Path, required=True, help="DER file of EF.ELS")
    sim.add_argument("--cert-file", type=Path, help="DER certificate (the cert EF)")
    sim.add_argument("--fail", choices=sorted(FAILURES), help="simulate this failure instead")
    sim.add_argument("--count", type=int, default=1)
    sim.add_argument("--interval", type=float, default=2.0, help="seconds between reads")
    sim.add_argument("--reader", default=SIMULATED_READER, help="reader name to report")
    sim.add_argument("--chip-serial", help="serial the simulated reader reports for the chip "
                     "(another than the file's: a copy on a foreign chip)")
    sim.add_argument("--wait", type=float, default=10.0,
                     help="seconds to keep retrying delivery before leaving reads queued")
    sim.add_argument("--writable", action="store_true",
                     help="then carry out the server's write jobs on the file for --wait "
                     "seconds (the file is the chip; needs --chip-serial)")

    profile_cmd = commands.add_parser(
        "card-profile", help="show or set the card's write access condition (docs/agent.md)")
    profile_cmd.add_argument("profile", nargs="?", choices=PROFILES)
    profile_cmd.add_argument("--key-reference", default="81",
                             help="verify-pin: the PIN's key reference, hex (%(default)s)")
    profile_cmd.add_argument("--pad-to", type=int, default=0,
                             help="verify-pin: pad the PIN to this many bytes (0: no padding)")
    profile_cmd.add_argument("--pad-byte", default="FF", help="verify-pin: hex (%(default)s)")
    profile_cmd.add_argument("--pin-stdin", action="store_true",
                             help="verify-pin: read the PIN from standard input, not a prompt")

    commands.add_parser("status", help="enrolment, queue and readers")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    state = State(args.state_dir)
    try:
        if args.command == "enrol":
            device_id = enrol(state, args.server, args.code, args.name, args.ca_file,
                              args.force)
            print(f"enrolled as device {device_id}")
            return 0
        if args.command == "card-profile":
            return card_profile(state, args.profile, args.key_reference, args.pad_to,
                                args.pad_byte, args.pin_stdin)
        if args.command == "run":
            return run(state, args.apdu_timeout, args.pin_stdin)
        if args.command == "signing-card":
            return signing_card(state, args.module, args.token, args.key_label, args.key_id,
                                args.off)
        if args.command == "simulate":
            return simulate(state, args.els_file, args.cert_file, args.fail, args.count,
                            args.interval, args.reader, args.wait, args.chip_serial,
                            args.writable)
        return status(state)
    except (UsageError, NotEnrolled, PermissionError, FileNotFoundError) as error:
        print(f"legitymacje-reader: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
