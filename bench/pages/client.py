"""The HTTP side of a run: a page as a browser loads it, a logged-in session, and the three
measurements (content check, unloaded latency, wrk throughput). No Django here: the same
code measures the peer."""

from __future__ import annotations

import html
import http.cookiejar
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


class BenchError(SystemExit):
    pass


@dataclass
class Page:
    name: str
    user: str  # "" = anonymous
    path: str
    expected: list[str]  # each must be in the page (in one of its requests)
    post: dict | None = None
    # What the page loads after its HTML to show its data (the peer's ticket list is an
    # empty table filled by an XHR): fetched, checked and loaded by wrk with it; one page
    # view is all of them, so the page rate is wrk's request rate divided by their number.
    then: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return 1 + len(self.then)


class Session:
    """A logged-in (or anonymous) browser: cookies, CSRF token."""

    def __init__(self, base: str, user: str = "", password: str = "",
                 login_path: str = "/login/") -> None:
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        if user:
            status, form = self.get(login_path)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
            if not token:
                raise BenchError(f"no login form at {self.base}{login_path} ({status})")
            status, _body = self.post(login_path, {"username": user, "password": password,
                                                   "csrfmiddlewaretoken": token.group(1)})
            if "sessionid" not in self.cookies():
                raise BenchError(f"login as {user} at {self.base}{login_path} failed ({status})")

    def cookies(self) -> dict[str, str]:
        return {c.name: c.value for c in self.jar}

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError as exc:
            raise BenchError(f"{request.full_url}: {exc}") from exc

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base + path, data=body,
                                                 headers={"Referer": self.base + path}))

    def _form(self, page: Page) -> dict:
        token = self.cookies().get("csrftoken") or self._csrf(page.path)
        return {**page.post, "csrfmiddlewaretoken": token}

    def _csrf(self, path: str) -> str:
        self.get(path)
        return self.cookies()["csrftoken"]

    def fetch(self, page: Page) -> list[tuple[int, str]]:
        """Every request of the page, in order."""
        first = self.get(page.path) if page.post is None else self.post(page.path,
                                                                         self._form(page))
        return [first, *(self.get(path) for path in page.then)]

    def wrk_script(self, page: Page, folder: Path) -> Path | None:
        """A wrk script for a POST, or for a page of several requests (in turn, per thread)."""
        if page.post is None and not page.then:
            return None
        if page.post is not None:
            body = urllib.parse.urlencode(self._form(page))
            code = ('wrk.method = "POST"\n'
                    f'wrk.body = "{body}"\n'
                    'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
                    f'wrk.headers["Referer"] = "{self.base + page.path}"\n')
        else:
            paths = ", ".join(f'"{p}"' for p in [page.path, *page.then])
            code = (f"local paths = {{{paths}}}\nlocal next_one = 0\n"
                    "request = function()\n  next_one = next_one % #paths + 1\n"
                    "  return wrk.format(nil, paths[next_one])\nend\n")
        script = Path(tempfile.mkstemp(suffix=".lua", dir=folder)[1])
        script.write_text(code)
        return script


def check(session: Session, page: Page) -> None:
    """200 for every request of the page, and every expected text in one of them."""
    answers = session.fetch(page)
    text = "\n".join(html.unescape(body) for _status, body in answers)
    statuses = [status for status, _body in answers]
    missing = [e for e in page.expected if e not in text]
    if any(status != 200 for status in statuses) or missing:
        raise BenchError(f"{page.name} at {session.base}{page.path}: {statuses}, "
                         f"missing {missing}")


def unloaded_ms(session: Session, page: Page, runs: int, warm: int = 0) -> float:
    """Median time of one page view (all its requests), one request at a time, after
    `warm` views that are not timed: a server just started still compiles its queries and
    fills its caches in each worker, and each worker's connection prepares a statement
    after five runs and plans it once for all five runs later (docs/performance.md, "How
    the app talks to PostgreSQL"), which a server in use has long done."""
    for _ in range(warm):
        session.fetch(page)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        statuses = [status for status, _body in session.fetch(page)]
        timings.append((time.perf_counter() - started) * 1000)
        if any(status != 200 for status in statuses):
            raise BenchError(f"{page.name} at {session.base}: {statuses}")
    return statistics.median(timings)


def wrk(session: Session, page: Page, seconds: int, connections: int, folder: Path) -> float:
    """Page views per second under `connections` concurrent clients."""
    if not shutil.which("wrk"):
        raise BenchError("wrk is not installed (apt-get install wrk)")
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies().items())
    # A slow page (the peer's dashboard takes seconds) must count, not time out at wrk's 2 s.
    arguments = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "120s",
                 "-H", f"Cookie: {cookie}"]
    script = session.wrk_script(page, folder)
    if script:
        arguments += ["-s", str(script)]
    try:
        run = subprocess.run([*arguments, session.base + page.path], capture_output=True,
                             text=True)
    finally:
        if script:
            script.unlink()
    settle(session.base)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", run.stdout)
    if run.returncode or "Non-2xx" in run.stdout or "Socket errors" in run.stdout or not rate:
        raise BenchError(f"{page.name} at {session.base}: wrk saw errors\n{run.stdout}"
                         f"{run.stderr}")
    return float(rate.group(1)) / page.requests


def _seconds_to_answer(url: str, into: list[float]) -> None:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120):
            pass
    except OSError:
        pass
    into.append(time.perf_counter() - started)


def settle(base: str, path: str = "/login/", workers: int = 2, timeout: float = 900) -> None:
    """Wait until the server has worked off what wrk left queued: sync workers finish every
    request they accepted, even from a client that has gone, and a slow page leaves minutes
    of them, which would load the next measurement. Idle when `workers` requests at once
    of a cheap page all answer within half a second. (Daemon threads: a stopped run does
    not wait for them.)"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        timings: list[float] = []
        threads = [threading.Thread(target=_seconds_to_answer, args=(base + path, timings),
                                    daemon=True) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if len(timings) == workers and max(timings) < 0.5:
            return
    raise BenchError(f"{base} still busy after {timeout:.0f} s")
