"""The `legitymacje-reader` commands: enrol, simulate, status (no reader hardware)."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys

import pytest

from reader_bridge.agent.cli import main
from reader_bridge.agent.signing import verify
from tests.agent.els_blob import els_file
from tests.agent.fake_server import ENROL_CODE


@pytest.fixture
def els_path(tmp_path):
    path = tmp_path / "demo-els.der"
    path.write_bytes(els_file())
    return path


def _cli(state_dir, *args: str) -> int:
    return main(["--state-dir", str(state_dir), *args])


def test_enrol_creates_an_owner_only_key_and_registers_its_public_half(tmp_path, server):
    state_dir = tmp_path / "state"

    assert _cli(state_dir, "enrol", "--server", server.url, "--code", ENROL_CODE,
                "--name", "ws-12") == 0

    config = json.loads((state_dir / "config.json").read_text())
    assert config["server"] == server.url
    assert config["name"] == "ws-12"
    assert config["device_id"] in server.devices
    assert os.stat(state_dir / "key.pem").st_mode & 0o777 == 0o600
    assert os.stat(state_dir).st_mode & 0o777 == 0o700


def test_refused_code_leaves_no_enrolment_and_no_key(tmp_path, server, capsys):
    state_dir = tmp_path / "state"

    assert _cli(state_dir, "enrol", "--server", server.url, "--code", "WRONG") == 2

    assert "enrolment refused (400)" in capsys.readouterr().err
    assert not (state_dir / "config.json").exists()
    assert not list(state_dir.glob("key.pem*"))


def test_second_enrolment_needs_force_and_then_replaces_key_and_device(state, server, capsys):
    old_config = state.config()
    old_key = state.key_file.read_bytes()
    server.codes.add("SECOND")

    assert _cli(state.path, "enrol", "--server", server.url, "--code", "SECOND") == 2
    assert "pass --force" in capsys.readouterr().err
    assert _cli(state.path, "enrol", "--server", server.url, "--code", "SECOND",
                "--force") == 0

    assert state.config().device_id != old_config.device_id
    assert state.key_file.read_bytes() != old_key


def test_simulated_read_is_posted_signed_like_a_real_one(state, server, els_path):
    assert _cli(state.path, "simulate", "--els-file", str(els_path),
                "--chip-serial", "04AA") == 0

    [message] = server.messages()
    assert message["outcome"] == "ok"
    assert message["chip_serial"] == "04AA"
    assert message["reader_name"] == "Simulated reader"
    assert base64.b64decode(message["files"]["els"]) == els_path.read_bytes()
    post = server.posts[0]
    assert verify(server.devices[state.config().device_id], post.body,
                  post.headers["x-reader-signature"])


@pytest.mark.parametrize(("failure", "expected"), [
    ("not_els", ("apdu_error", "select_aid", "6A82", True)),
    ("no_card", ("no_card", "connect", None, False)),
    ("removed", ("removed", "read_binary", None, True)),
])
def test_simulated_failures_report_what_a_reader_would(state, server, els_path, failure,
                                                        expected):
    assert _cli(state.path, "simulate", "--els-file", str(els_path), "--fail", failure) == 0

    [message] = server.messages()
    outcome, step, status_word, has_atr = expected
    assert (message["outcome"], message["failed_step"], message["status_word"]) == \
        (outcome, step, status_word)
    assert (message["atr"] is not None) == has_atr
    assert message["files"] == {"els": None, "cert": None}


def test_simulate_with_server_down_queues_then_a_later_run_delivers_in_order(
        state, server, els_path, capsys):
    server.down()
    assert _cli(state.path, "simulate", "--els-file", str(els_path), "--count", "2",
                "--interval", "0", "--wait", "0") == 3
    assert "2 read(s) still queued" in capsys.readouterr().out

    server.up()
    assert _cli(state.path, "simulate", "--els-file", str(els_path), "--fail", "timeout") == 0

    assert [(m["sequence"], m["outcome"]) for m in server.messages()] == \
        [(1, "ok"), (2, "ok"), (3, "timeout")]


def test_status_shows_enrolment_and_queue(state, server, els_path, capsys):
    server.down()
    _cli(state.path, "simulate", "--els-file", str(els_path), "--wait", "0")
    capsys.readouterr()

    assert _cli(state.path, "status") == 0

    out = capsys.readouterr().out
    assert state.config().device_id in out
    assert "queued:   1 (sequence 1...1)" in out
    assert "rejected: 0" in out
    assert "retrying: no answer" in out


def test_commands_needing_enrolment_say_how_to_enrol(tmp_path, els_path, capsys):
    assert _cli(tmp_path / "fresh", "simulate", "--els-file", str(els_path)) == 2

    assert "legitymacje-reader enrol --server URL --code CODE" in capsys.readouterr().err


def test_agent_imports_no_django():
    modules = ["reader_bridge.agent.cli", "reader_bridge.agent.runner"]
    if _has_pyscard():
        modules.append("reader_bridge.agent.pcsc")
    code = ("import sys\n" + "".join(f"import {name}\n" for name in modules)
            + "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))")
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, check=True)

    assert result.stdout.strip() == "[]"


def _has_pyscard() -> bool:
    try:
        import smartcard  # noqa: F401
    except ImportError:
        return False
    return True


def test_enrol_keeps_the_server_key_that_signs_jobs(state, server):
    from reader_bridge.agent.signing import public_key_pem

    assert state.server_public_key() == public_key_pem(server.server_key)


def test_card_profile_is_set_owner_only_and_shown(state, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("4321\n"))

    assert _cli(state.path, "card-profile", "verify-pin", "--key-reference", "82",
                "--pad-to", "8", "--pin-stdin") == 0
    assert _cli(state.path, "status") == 0

    profile = state.card_profile.load()
    assert (profile.key_reference, profile.pin) == (0x82, b"4321" + b"\xff" * 4)
    assert os.stat(state.card_profile.path).st_mode & 0o777 == 0o600
    out = capsys.readouterr().out
    assert "card profile: verify-pin (VERIFY, key reference 82)" in out
    assert "4321" not in out


def test_a_card_profile_the_agent_would_refuse_is_not_stored(state, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))

    assert _cli(state.path, "card-profile", "verify-pin", "--pin-stdin") == 2

    assert "PIN not empty" in capsys.readouterr().err
    assert not state.card_profile.path.exists()


def test_writable_simulated_reader_rewrites_its_chip_file_through_a_job(state, server,
                                                                        els_path, capsys,
                                                                        monkeypatch):
    from reader_bridge.agent.simulate import SIMULATED_WRITE_PIN

    old, new = els_path.read_bytes(), els_file(signature_size=710)
    jobs = []
    server.on_read = lambda read: jobs.append(server.hand_out(
        server.write_job(read["chip_serial"], base64.b64decode(read["files"]["els"]), new)))
    monkeypatch.setattr(sys, "stdin", io.StringIO(SIMULATED_WRITE_PIN + "\n"))
    assert _cli(state.path, "card-profile", "verify-pin", "--pin-stdin") == 0

    assert _cli(state.path, "simulate", "--els-file", str(els_path), "--chip-serial",
                "0478AB12CD3480", "--writable", "--wait", "10") == 0

    assert els_path.read_bytes() == new != old
    assert server.result_for(jobs[0])["outcome"] == "written"
    assert "job written; chip file rewritten" in capsys.readouterr().out


def test_writable_simulated_reader_says_when_no_job_comes(state, server, els_path, capsys):
    assert _cli(state.path, "simulate", "--els-file", str(els_path), "--chip-serial",
                "0478AB12CD3480", "--writable", "--wait", "2") == 4

    assert "no job came within 2 s" in capsys.readouterr().out


def test_writable_simulated_reader_waiting_for_a_card_is_read_once_by_the_read_job(
        state, server, els_path, capsys, monkeypatch):
    from reader_bridge.agent.simulate import SIMULATED_WRITE_PIN

    monkeypatch.setattr(sys, "stdin", io.StringIO(SIMULATED_WRITE_PIN + "\n"))
    assert _cli(state.path, "card-profile", "verify-pin", "--pin-stdin") == 0
    read_job = server.hand_out(server.job("read_els", chip_serial="0478AB12CD3480"))
    new = els_file(signature_size=710)
    server.on_read = lambda read: server.hand_out(
        server.write_job(read["chip_serial"], base64.b64decode(read["files"]["els"]), new))

    assert _cli(state.path, "simulate", "--els-file", str(els_path), "--chip-serial",
                "0478AB12CD3480", "--writable", "--wait", "10") == 0

    assert len(server.stored) == 1  # read by the job, not a second time as an insertion
    assert server.result_for(read_job)["outcome"] == "read"
    assert els_path.read_bytes() == new


def test_a_refused_simulated_read_fails_loudly(state, server, els_path, capsys):
    """`make demo-read` after the demo reader's key changed must not look like success."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    server.devices[state.config().device_id] = Ed25519PrivateKey.generate().public_key() \
        .public_bytes(serialization.Encoding.PEM,
                      serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    assert _cli(state.path, "simulate", "--els-file", str(els_path), "--wait", "2") == 4

    assert "REFUSED by the server" in capsys.readouterr().err
