#!/usr/bin/env bash
# Card insert → case page latency, end to end: a virtual card in a private pcscd, the real
# agent, the live server, and Chromium polling the case page. Needs pcscd, vsmartcard-vpcd,
# Chromium and the agent extra (what .ci/run installs). Usage: bench/latency/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
for _ in $(seq "$runs"); do
  .venv/bin/pytest -q -p no:cacheprovider -s tests/agent/test_end_to_end.py 2>&1 \
    | grep -o 'insert to case page: [0-9.]* s'
done
