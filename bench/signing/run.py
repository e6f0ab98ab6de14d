"""Server-side signing through SoftHSM2: RSA-2048 signatures per second, and the whole
new EF.ELS per card (renew the content + build the SignedData + sign in the token).

    .venv/bin/python bench/signing/run.py [--runs 3] [--seconds 5] [--threads 2]

Needs SoftHSM2 (apt-get install softhsm2). Makes its own token in a temporary folder,
with the key generated inside it, certified by a throwaway test CA; nothing else is
touched. The figures are what `cards.signing.eseal_sign` does per card, without the
database lookup of the certificate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PIN = "1234"


def make_signer(folder: Path):
    from cards import softhsm
    from cards.chip_signing import Pkcs11Signer
    from cards.chip_testing import make_certificate, make_test_pki

    config = softhsm.write_config(folder)
    os.environ["SOFTHSM2_CONF"] = str(config)  # before the module is first opened
    softhsm.init_token(config, "bench", PIN, "5678")
    key = softhsm.TokenKey(softhsm.module_path(), "bench", "bench-key", key_id=b"\x01")
    public_key = softhsm.generate_rsa_key(key, PIN, bits=2048)
    pki = make_test_pki()
    certificate = make_certificate("Uniwersytet Testowy", None, public_key=public_key,
                                   issuer=pki.ca_cert, issuer_key=pki.ca_key, eseal=True)
    return Pkcs11Signer(key.module, "bench", PIN, key_label="bench-key",
                        certificate=certificate)


def signatures_per_second(signer, seconds: float, threads: int) -> tuple[float, float]:
    """(signatures per wall-clock second, per CPU second of this process). SoftHSM2 runs
    inside the process, so the second figure is what one idle core would do, however
    busy the machine is."""
    data = os.urandom(230)  # about the size of the signed attributes
    count = [0] * threads
    deadline = time.perf_counter() + seconds
    cpu_started = time.process_time()

    def work(index: int) -> None:
        while time.perf_counter() < deadline:
            signer.sign(data)
            count[index] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return (sum(count) / (time.perf_counter() - started),
            sum(count) / (time.process_time() - cpu_started))


class TimedSigner:
    """The signer, with the time spent inside the token summed up."""

    def __init__(self, signer) -> None:
        self.signer, self.certificate, self.spent = signer, signer.certificate, 0.0

    def sign(self, data: bytes, digest: str = "sha256") -> bytes:
        started = time.perf_counter()
        try:
            return self.signer.sign(data, digest)
        finally:
            self.spent += time.perf_counter() - started


def per_card(signer, seconds: float) -> tuple[list[float], float, float]:
    """Milliseconds per card for renew + build + sign, the share spent signing, and CPU
    milliseconds per card."""
    from cards.chip_signing import build_signed_els, renew_els_content
    from cards.chip_testing import ElsFields, build_els_content

    contents = [build_els_content(ElsFields(album_number=f"{100000 + i}",
                                            chip_serial=f"04A1{i:09X}")) for i in range(500)]
    timed = TimedSigner(signer)
    times, total = [], 0.0
    deadline = time.perf_counter() + seconds
    cpu_started = time.process_time()
    index = 0
    while time.perf_counter() < deadline:
        content = contents[index % len(contents)]
        started = time.perf_counter()
        renewed = renew_els_content(content, dt.date(2027, 10, 31))
        build_signed_els(renewed, timed, dt.datetime.now(dt.UTC))
        elapsed = time.perf_counter() - started
        times.append(elapsed * 1000)
        total += elapsed
        index += 1
    return times, timed.spent / total, (time.process_time() - cpu_started) * 1000 / len(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=2)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-signing-") as folder:
        signer = make_signer(Path(folder))
        try:
            for run in range(1, options.runs + 1):
                one, one_cpu = signatures_per_second(signer, options.seconds, 1)
                many, _cpu = signatures_per_second(signer, options.seconds, options.threads)
                times, share, cpu_ms = per_card(signer, options.seconds)
                p95 = statistics.quantiles(times, n=20)[-1]
                print(f"run {run} (load {os.getloadavg()[0]:.1f}): {one:.0f} signatures/s "
                      f"(1 thread; {one_cpu:.0f} per CPU second), {many:.0f}/s "
                      f"({options.threads} threads, one session); per card "
                      f"median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms "
                      f"({cpu_ms:.2f} ms CPU), signing {share:.0%} of it", flush=True)
        finally:
            signer.close()


if __name__ == "__main__":
    main()
