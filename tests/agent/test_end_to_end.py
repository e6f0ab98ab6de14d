"""The whole bridge: a virtual card in a real pcscd, the real agent, the real server,
and the case page in Chromium showing the read without a reload."""

from __future__ import annotations

import time

import pytest

from django.urls import reverse

from cards.chip_testing import build_test_els_file, shared_test_pki
from reader_bridge.agent.cli import enrol
from reader_bridge.agent.state import State
from reader_bridge.models import CardRead, ReaderDevice
from reader_bridge.services import enrolment_code_create
from tests.factories import CardFactory, UnitFactory, UserFactory
from tests.reader_bridge.factories import chip_fields, trust
from warranty.services import case_open

pytestmark = [pytest.mark.pcsc, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def enrolled_agent(tmp_path, live_server):
    def enrol_for(unit) -> State:
        agent_state = State(tmp_path / "agent")
        code = enrolment_code_create(unit=unit)
        enrol(agent_state, live_server.url, code.code, "pc-dziekanat", None, force=False)
        return agent_state

    return enrol_for


def test_card_inserted_at_the_workstation_shows_up_on_the_case_page(
        page, login, screenshot, reader, start_agent, enrolled_agent):
    unit = UnitFactory(code="WMI", name="Wydział Matematyki i Informatyki")
    clerk = UserFactory(username="dziekanat", roles=["dziekanat"], units=[unit])
    card = CardFactory(serving_unit=unit, chip_serial="0478AB12CD3480")
    case = case_open(card_id=card.pk, kind="fault", actor=clerk, source="web",
                     note="Nie wczytuje się w USOS")
    trust(shared_test_pki().ca_cert)
    agent = start_agent(enrolled_agent(unit))
    device = ReaderDevice.objects.get()

    login("dziekanat")
    page.goto(reverse("warranty:detail", args=[case.pk]))
    panel = page.locator("#card-reads")
    panel.locator("select[name=device]").select_option(str(device.pk))
    panel.locator("button[type=submit]").click()
    page.wait_for_selector("[data-waiting-request]")

    inserted = time.monotonic()
    reader.insert(build_test_els_file(chip_fields(card)))
    row = page.wait_for_selector("#card-reads tr[data-read-id]", timeout=10_000)
    insert_to_page = time.monotonic() - inserted

    read = CardRead.objects.get()
    assert read.card == card and read.request.case_id == case.pk
    assert read.diagnosis == "ok"
    assert "pc-dziekanat" in row.inner_text()
    assert page.locator("[data-waiting-request]").is_hidden()
    screenshot("case-page-live-read")
    print(f"insert to case page: {insert_to_page:.2f} s")
    agent.stop()
