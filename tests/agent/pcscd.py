"""A private pcscd with the vpcd driver on a free port, isolated from any system pcscd.

pcscd is started through socket activation on a private Unix socket; the caller must
export PCSCLITE_CSOCK_NAME = `socket_path` before the first PC/SC call of the process.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

VPCD_DRIVERS = ("/usr/lib/pcsc/drivers/serial/libifdvpcd.so",
                "/usr/lib/x86_64-linux-gnu/pcsc/drivers/serial/libifdvpcd.so")

# `$$` is the shell's PID, which `exec` hands on to pcscd: LISTEN_PID must name pcscd.
_LAUNCH = ('export LISTEN_PID=$$ LISTEN_FDS=1; '
           'exec "$1" --foreground --info -c "$2" 3<&0 0</dev/null')


def free_port_pair() -> int:
    """A port P with P and P+1 both free (vpcd listens on both)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port < 65535 and _is_free(port + 1):
            return port
    raise RuntimeError("no free port pair for vpcd")


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("0.0.0.0", port))  # noqa: S104 (vpcd itself binds all interfaces)
        except OSError:
            return False
    return True


def _is_listening(port: int) -> bool:
    # Never probe vpcd by connecting: it would take the connection as a card.
    wanted = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                local, state = line.split()[1], line.split()[3]
                if local.endswith(wanted) and state == "0A":  # 0A: LISTEN
                    return True
    return False


class PrivatePcscd:
    def __init__(self, socket_path: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pcscd-"))
        self.socket_path = socket_path
        self.port = free_port_pair()
        driver = next(path for path in VPCD_DRIVERS if os.path.exists(path))
        config = self.dir / "reader.conf.d"
        config.mkdir()
        (config / "vpcd").write_text(
            f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x{self.port:X}\n'
            f"LIBPATH {driver}\nCHANNELID 0x{self.port:X}\n")
        self.process: subprocess.Popen | None = None
        self.log = self.dir / "pcscd.log"

    @property
    def reader_name(self) -> str:
        return "Virtual PCD 00 00"

    def start(self) -> None:
        with contextlib.suppress(PermissionError):  # unprivileged pcscd needs it to exist
            os.makedirs("/run/pcscd", exist_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.socket_path)
        listener.listen(16)
        with listener, open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
                ["/bin/sh", "-c", _LAUNCH, "sh", shutil.which("pcscd") or "pcscd",
                 str(self.dir / "reader.conf.d")],
                stdin=listener.fileno(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not _is_listening(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pcscd did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.01)

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)
        # vpcd's listening ports must be free again before a restart binds them.
        deadline = time.monotonic() + 5
        while _is_listening(self.port) and time.monotonic() < deadline:
            time.sleep(0.01)

    def restart(self) -> None:
        self.stop()
        self.start()
