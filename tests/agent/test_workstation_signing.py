"""Signing at the workstation: a sign_els job signed by the employee's card (a SoftHSM2
token through the same PKCS#11 path as OpenSC), the PIN typed there and never sent."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import sys
from contextlib import nullcontext

import pytest

from cards import chip
from cards.chip_testing import ElsFields, build_els_content, shared_test_pki
from reader_bridge.agent.cli import UsageError, _open_signing_card, main
from reader_bridge.agent.job_runner import JobRunner
from reader_bridge.agent.workstation_signing import SigningCard

pytestmark = pytest.mark.softhsm


def _runner(state, signer) -> JobRunner:
    return JobRunner(state, lambda _serial: nullcontext(None), signer=signer, wait=1)


def _content() -> bytes:
    return build_els_content(ElsFields(chip_serial="0478AB12CD3480",
                                       valid_until=dt.date(2027, 3, 31)))


def test_a_sign_job_is_signed_by_the_workstation_card(server, state, softhsm_tokens):
    token = softhsm_tokens.workstation
    content = _content()
    job = server.hand_out(server.job("sign_els", chip_serial="0478AB12CD3480",
                                     content=content,
                                     certificate_sha256=chip.fingerprint(token.certificate)))

    with token.signer() as signer:
        runner = _runner(state, signer)
        assert runner.handle(runner.fetch()) == "signed"

    body = json.loads(state.results.pending()[0].body())
    signed = base64.b64decode(body["signed_file"])
    els = chip.parse_els_file(signed)
    assert els.content == content
    assert els.signer_certificate == token.certificate
    assert chip.verify_els_file(els, trusted=[shared_test_pki().ca_cert], kind="ELS",
                                today=dt.datetime.now(dt.UTC).date()) == []
    assert body["job_id"] == job["job_id"] and token.pin not in json.dumps(body)


def test_a_sign_job_for_another_certificate_is_refused(server, state, softhsm_tokens):
    server.hand_out(server.job("sign_els", content=_content(), certificate_sha256="00" * 32))

    with softhsm_tokens.workstation.signer() as signer:
        runner = _runner(state, signer)
        assert runner.handle(runner.fetch()) == "refused"

    body = json.loads(state.results.pending()[0].body())
    assert body["failed_step"] == "certificate" and body["signed_file"] is None


def test_run_opens_the_signing_card_with_the_pin_typed_at_the_workstation(
        state, softhsm_tokens, monkeypatch):
    token = softhsm_tokens.workstation
    assert main(["--state-dir", str(state.path), "signing-card", "--module", token.key.module,
                 "--token", token.key.token_label, "--key-label", token.key.key_label]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(token.pin + "\n"))

    signer = _open_signing_card(state, pin_stdin=True)

    assert signer.certificate == token.certificate
    assert token.pin not in state.signing_card.path.read_text()
    signer.close()


def test_a_wrong_pin_stops_run_with_what_went_wrong(state, softhsm_tokens, monkeypatch):
    token = softhsm_tokens.workstation
    state.signing_card.save(SigningCard(token.key.module, token.key.token_label,
                                        key_label=token.key.key_label))
    monkeypatch.setattr(sys, "stdin", io.StringIO("0000\n"))

    with pytest.raises(UsageError, match="wrong PIN"):
        _open_signing_card(state, pin_stdin=True)
