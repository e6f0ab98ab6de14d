"""A reader without hardware for the demo: reads made up from an ELS file, or failures."""

from __future__ import annotations

from reader_bridge.agent.message import ReadResult

SIMULATED_READER = "Simulated reader"
SIMULATED_ATR = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")

# --fail choices: what a real reader reports for each kind of trouble.
FAILURES: dict[str, dict[str, str | None]] = {
    "no_reader": {"outcome": "no_reader", "failed_step": "connect"},
    "no_card": {"outcome": "no_card", "failed_step": "connect"},
    "no_atr": {"outcome": "no_atr", "failed_step": "connect"},
    "not_els": {"outcome": "apdu_error", "failed_step": "select_aid", "status_word": "6A82"},
    "read_error": {"outcome": "apdu_error", "failed_step": "read_binary", "status_word": "6B00"},
    "timeout": {"outcome": "timeout", "failed_step": "read_binary"},
    "removed": {"outcome": "removed", "failed_step": "read_binary"},
}
_BEFORE_ATR = {"no_reader", "no_card", "no_atr"}
_OK_TIMINGS = {"connect": 11.8, "select": 2.4, "read": 38.6, "total": 52.8}


def simulated_read(els: bytes, cert: bytes | None = None, failure: str | None = None,
                   reader_name: str = SIMULATED_READER,
                   chip_serial: str | None = None) -> ReadResult:
    if failure is None:
        return ReadResult(reader_name, "ok", atr=SIMULATED_ATR, els=els, cert=cert,
                          chip_serial=chip_serial, timings_ms=dict(_OK_TIMINGS))
    if failure not in FAILURES:
        raise ValueError(f"unknown failure {failure!r}; choose from {', '.join(FAILURES)}")
    atr = None if failure in _BEFORE_ATR else SIMULATED_ATR
    return ReadResult(reader_name, atr=atr, timings_ms={"total": 5000.0 if failure == "timeout"
                                                         else 12.5},
                      **FAILURES[failure])  # type: ignore[arg-type]
