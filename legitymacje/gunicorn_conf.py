"""gunicorn in production: ``gunicorn -c python:legitymacje.gunicorn_conf legitymacje.wsgi``.

Environment: ``GUNICORN_BIND`` (default 127.0.0.1:8000), ``WEB_CONCURRENCY`` (worker
processes, default CPUs + 1) and ``GUNICORN_THREADS`` (threads per worker, default 4).
Threads let a worker answer other requests while one waits on PostgreSQL or Redis.
A worker class chosen on the command line (``-k sync``) or in ``GUNICORN_CMD_ARGS`` is
honoured: threads are set only for the threaded worker, since gunicorn silently turns a
sync worker with threads into a threaded one.
"""

import contextlib
import gc
import os
import shlex
import socket
import sys

from gunicorn.config import Config

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1))


def _worker_class_asked_for() -> str | None:
    """The worker class given to gunicorn itself, read with gunicorn's own parser."""
    arguments = shlex.split(os.environ.get("GUNICORN_CMD_ARGS", "")) + sys.argv[1:]
    parsed, _unknown = Config().parser().parse_known_args(arguments)
    return parsed.worker_class


worker_class = _worker_class_asked_for() or "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4")) if worker_class == "gthread" else 1


def post_worker_init(worker) -> None:
    # Django and every module are loaded now and live as long as the worker: taken out
    # of the garbage collector's walks, collections only visit what requests allocate
    # (about 7 % less CPU per read at the ingest endpoint, docs/reader-bridge.md).
    gc.freeze()


# gunicorn writes a response's headers and its body with a send each, and the connection
# has TCP_NODELAY: two segments, the client woken twice. Corked for the request, the
# socket sends them together (and a streamed export in full segments); uncorking flushes.
_CORK = getattr(socket, "TCP_CORK", None)  # Linux only


def _cork(req, on: int) -> None:
    if _CORK is not None:
        with contextlib.suppress(OSError, AttributeError):  # e.g. a Unix socket
            req.unreader.sock.setsockopt(socket.IPPROTO_TCP, _CORK, on)


def pre_request(worker, req) -> None:
    _cork(req, 1)


def post_request(worker, req, environ, resp) -> None:
    _cork(req, 0)
