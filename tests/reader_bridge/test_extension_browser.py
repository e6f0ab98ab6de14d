"""In a real browser: "Przedłuż" on the card page, the agent (signed HTTP calls from the
test) reads and writes the chip, and the page follows to "naklej hologram" by itself."""

from __future__ import annotations

import pytest

from django.test import Client
from django.urls import reverse

from .agent_calls import fetch, opened_job, post_result, result_body, written
from .test_extension_page import insert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_extend_on_the_card_page_follows_the_write_live(page, login, screenshot, deans_office,
                                                        device, extendable, no_processing,
                                                        width):
    page.set_viewport_size({"width": width, "height": 900})
    agent = Client()
    login("dziekanat")
    page.goto(reverse("cards:detail", args=[extendable.pk]))
    screenshot(f"card-extension-ready-{width}")

    page.get_by_role("button", name="Przedłuż").click()
    page.wait_for_selector('[data-step="waiting"]')
    screenshot(f"card-extension-waiting-{width}")

    fetch(agent, device)  # the read_els job: no card in the reader yet
    insert(device, extendable)
    job = opened_job(fetch(agent, device))
    page.wait_for_selector('[data-step="writing"]', timeout=3000)
    post_result(agent, device, job["job_id"], result_body(job, "failed",
                                                          failed_step="update_binary"))
    page.wait_for_selector('[data-step="torn"]', timeout=3000)
    assert "włóż legitymację ponownie" in page.locator('[data-step="torn"]').inner_text().lower()
    screenshot(f"card-extension-torn-{width}")

    insert(device, extendable)  # put back: the chip still has the old file → written again
    again = opened_job(fetch(agent, device))
    written(agent, device, again)

    page.wait_for_selector('[data-step="verified"]', timeout=5000)
    assert "naklej hologram" in page.locator('[data-step="verified"]').inner_text().lower()
    assert "oczekuje na hologram" in page.locator(".page-head .badge").inner_text().lower()
    screenshot(f"card-extension-verified-{width}")
