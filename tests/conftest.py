"""Shared fixtures and the rule for tests that need a real service.

A test marked `postgres`, `redis`, `pcsc`, `browser`, `gettext`, `softhsm` or `cas` runs when
the service is there. On a laptop without it, the test is skipped and says why; in CI
(CI=true) a missing service fails the test instead, so nothing is quietly left out.
"""

from __future__ import annotations

import os
import shutil
from functools import cache
from pathlib import Path

import pytest

from django.conf import settings
from django.db import connection

from tests.factories import CardFactory, UnitFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


@cache
def _redis_available() -> str | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {url} does not answer: {exc}"
    return None


@cache
def _pcsc_available() -> str | None:
    if not shutil.which("pcscd"):
        return "pcscd is not installed (apt-get install pcscd vsmartcard-vpcd)"
    if not any(os.path.exists(p) for p in _VPCD_DRIVER_PATHS):
        return "the vpcd driver is not installed (apt-get install vsmartcard-vpcd)"
    try:
        import smartcard  # noqa: F401
    except ImportError:
        return "pyscard is not installed (pip install -e '.[agent]')"
    return None


_VPCD_DRIVER_PATHS = ("/usr/lib/pcsc/drivers/serial/libifdvpcd.so",
                      "/usr/lib/x86_64-linux-gnu/pcsc/drivers/serial/libifdvpcd.so")


@cache
def _browser_available() -> str | None:
    if not shutil.which("chromium"):
        return "Chromium is not installed (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


@cache
def _gettext_available() -> str | None:
    if not shutil.which("xgettext"):
        return "GNU gettext is not installed (apt-get install gettext)"
    return None


@cache
def _softhsm_available() -> str | None:
    from cards import softhsm

    return softhsm.missing()


@cache
def _cas_available() -> str | None:
    try:
        import cas_server  # noqa: F401
    except ImportError:
        return "django-cas-server is not installed (pip install -e '.[dev]')"
    return None


def _postgres_available() -> str | None:
    if connection.vendor != "postgresql":
        return "the tests run on SQLite; set DATABASE_URL to a PostgreSQL database"
    return None


SERVICE_CHECKS = {
    "postgres": _postgres_available,
    "redis": _redis_available,
    "pcsc": _pcsc_available,
    "browser": _browser_available,
    "gettext": _gettext_available,
    "softhsm": _softhsm_available,
    "cas": _cas_available,
}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, check in SERVICE_CHECKS.items():
        if item.get_closest_marker(marker) is None:
            continue
        missing = check()
        if missing is None:
            continue
        if IN_CI:
            pytest.fail(f"CI requires {marker}: {missing}", pytrace=False)
        pytest.skip(f"needs {marker}: {missing}")


def pytest_sessionstart(session: pytest.Session) -> None:
    if IN_CI and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise pytest.UsageError("CI must run the suite on PostgreSQL: set DATABASE_URL")


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language (Polish): a request with another
    Accept-Language leaves that language active in the thread after the response."""
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path, monkeypatch):
    """Files a test writes stay in its own directory, never in the running demo's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEMO_STATE_DIR = tmp_path / "var"
    from cards import demo_signing

    monkeypatch.setattr(demo_signing, "DEMO_DIR", tmp_path / "var")  # the demo's keys


@pytest.fixture
def cards_alone(monkeypatch):
    """The cards app without other apps' transition hooks (with the warranty app, a
    replacement must go through its case; that flow is tested in tests/warranty)."""
    from cards import hooks

    monkeypatch.setattr(hooks, "_hooks", [])
    monkeypatch.setattr(hooks, "_actions_on_other_pages", set())


@pytest.fixture
def unit(db):
    return UnitFactory(code="WMI", name="Wydział Matematyki i Informatyki")


@pytest.fixture
def other_unit(db):
    return UnitFactory(code="WPiA", name="Wydział Prawa i Administracji")


@pytest.fixture
def deans_office(unit):
    return UserFactory(username="dziekanat", roles=["dziekanat"], units=[unit])


@pytest.fixture
def other_deans_office(other_unit):
    return UserFactory(username="dziekanat2", roles=["dziekanat"], units=[other_unit])


@pytest.fixture
def ssos(db):
    return UserFactory(username="ssos", roles=["ssos"])


@pytest.fixture
def usos_office(db):
    return UserFactory(username="usos", roles=["usos"])


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def card(unit):
    return CardFactory(serving_unit=unit)


@pytest.fixture
def english(settings):
    """Pages and messages in English, for tests that read the English texts; Polish is
    the default, and tests/test_translations.py makes sure every text has it."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


# --- SoftHSM2: real PKCS#11 tokens in a private folder -------------------------------
# Both tokens are made before any signer opens the module: SoftHSM2 reads SOFTHSM2_CONF
# and the token list when it is initialised, once per process. Tests that use the fixture
# are marked `softhsm`.


@pytest.fixture(scope="session")
def softhsm_tokens(tmp_path_factory):
    """An e-seal token (the server's HSM) and a workstation token (an employee's
    signature card), each with an RSA-2048 key made inside it and certified by the
    shared test PKI's CA; the certificates are on the tokens too."""
    from tests.softhsm_tokens import make_tokens

    return make_tokens(tmp_path_factory.mktemp("softhsm"))


# --- browser: Playwright driving Debian's Chromium against the live server -----------
# Browsers are never downloaded: Chromium comes from the system (`apt-get install
# chromium`, done by .ci/run). Screenshots of key pages land in test-artifacts/screenshots/.
# One Playwright per session: a second sync_playwright in the same process would fail.

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# for set-up are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="pl-PL",
                                   viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(page):
    def as_user(username: str, password: str = "pass") -> None:
        # A journey may hand over from one person to the next. Leave the last page first:
        # its polling could otherwise land after the cookies are cleared and set a CSRF
        # cookie that no longer matches the login form's token (403 at /login/).
        page.goto("about:blank")
        page.context.clear_cookies()
        page.goto("/login/")
        page.get_by_label("Nazwa użytkownika").fill(username)
        page.get_by_label("Hasło").fill(password)
        page.get_by_role("button", name="Zaloguj").click()
        page.wait_for_url(lambda url: "/login/" not in url)

    return as_user
