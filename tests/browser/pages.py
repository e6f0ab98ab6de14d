"""What the journeys do on the pages, found by stable hooks (form actions, field names,
URLs) rather than by wording, so the tests survive the translator's pass. Expected texts
are computed from the app's own labels in Polish, never typed in."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page

from django.utils import translation

NARROW = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}


def in_polish(text: Any) -> str:
    """The text as the Polish page shows it (translated if the catalogue has it)."""
    with translation.override("pl"):
        return str(text)


def badge(page: Page) -> str:
    """The state badge next to the page title (case or card)."""
    return page.locator(".page-head .badge.big").inner_text().strip()


def submit(page: Page, button: Locator) -> None:
    with page.expect_navigation():
        button.click()


def step_form(page: Page, action: str) -> Locator:
    """The form of case step `action`, its <details> opened."""
    form = page.locator(f'form[action$="/step/{action}/"]')
    details = page.locator("details.action").filter(has=form)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return form


def take_step(page: Page, action: str, **fields: str) -> None:
    """Fill the step's fields (by name, without the form prefix) and submit it."""
    form = step_form(page, action)
    for name, value in fields.items():
        form.locator(f'[name="{action}-{name}"]').fill(value)
    submit(page, form.locator('button[type="submit"]'))


def step_refusal(page: Page, action: str) -> str:
    """The reason shown in place of the form of a step that is not possible now (the
    step's <details> is found by its help text, since it has no form)."""
    from warranty.transitions import TRANSITIONS

    details = page.locator("details.action").filter(
        has_text=in_polish(TRANSITIONS[action].help))
    details.locator("summary").click()
    assert details.locator("form").count() == 0
    return details.locator(".alert").inner_text().strip()


def error_alert(page: Page) -> str:
    return page.locator('.alert.error[role="alert"]').inner_text().strip()


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no sideways scroll)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - window.innerWidth")
