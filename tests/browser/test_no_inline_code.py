"""Every page runs under the strict CSP: no inline script, style or handler in what the
server sends, and Chromium reports no CSP violation while the page (and its scripts, the
Swagger UI included) runs."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from django.urls import reverse

from reports.registry import REPORTS
from tests.factories import UserFactory
from tests.warranty.helpers import act, open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`));
"""
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class _InlineCode(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") not in DATA_SCRIPT_TYPES:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            elif name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")


def inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.found


def test_the_page_scanner_finds_inline_code():
    assert inline_code('<p style="color:red" onclick="x()"><script>1</script>') == [
        '<p style="color:red">', "<p onclick=…>", "inline <script>"]
    assert inline_code('<script src="/s.js"></script><script type="application/json">{}'
                       "</script>") == []


@pytest.fixture
def walk(page, login):
    page.add_init_script(WATCH_CSP)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text)
            if "Content Security Policy" in message.text else None)

    def visit(username: str | None, urls: list[str], ready: dict[str, str] | None = None):
        if username:
            login(username)
        else:
            page.context.clear_cookies()
        problems = []
        for url in urls:
            response = page.goto(url)
            assert response.status < 400, f"{url}: {response.status}"
            if ready and url in ready:
                page.wait_for_selector(ready[url])
            # not "networkidle": pages with live reads poll for as long as they are open
            page.wait_for_load_state("load")
            page.wait_for_timeout(300)
            problems += [f"{url}: {found}" for found in inline_code(response.text())]
            problems += [f"{url}: {v}" for v in page.evaluate("window.__cspViolations")]
            problems += [f"{url}: {text}" for text in console]
            console.clear()
        return problems

    return visit


def test_no_page_needs_inline_code_and_none_breaks_the_policy(walk, scene):
    case = act(open_case(scene.card, "fault", scene.clerk), "receive_card", scene.ssos)
    UserFactory(username="admin", is_superuser=True, is_staff=True)
    reports = [reverse("reports:detail", args=[slug]) for slug in list(REPORTS)[:4]]
    problems = walk(None, [reverse("login"), reverse("warranty:status-lookup")])
    problems += walk("dziekanat", [
        "/", reverse("cards:list"), reverse("cards:detail", args=[scene.card.pk]),
        reverse("cards:holograms"),
        reverse("warranty:list"), reverse("warranty:detail", args=[case.pk]),
        reverse("warranty:open", args=[scene.card.pk, "damage"]),
        reverse("reports:index"), *reports, reverse("reports:exports"),
        reverse("otp-enrol"),
    ])
    problems += walk("student", [
        "/", reverse("cards:mine"), reverse("warranty:mine"),
        reverse("warranty:detail", args=[case.pk]),
    ])
    swagger = reverse("api-docs")
    problems += walk("admin", [
        "/admin/", "/admin/cards/card/", f"/admin/cards/card/{scene.card.pk}/change/",
        f"/admin/cards/holder/{scene.holder.pk}/change/", "/admin/warranty/case/",
        f"/admin/warranty/case/{case.pk}/change/", "/admin/axes/accessattempt/",
        "/admin/auth/user/add/", swagger,
    ], ready={swagger: ".swagger-ui .opblock"})
    assert problems == []
