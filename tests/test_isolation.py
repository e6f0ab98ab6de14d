"""Role × unit × endpoint: everyone sees only what is theirs to see, and no answer anywhere
(pages, API by session and token, receipts (PDF), report pages and exports, admin) carries a
holder's full PESEL."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from rest_framework.test import APIClient

from legitymacje.tokens import create_token
from tests.factories import CardFactory, HolderFactory, UnitFactory, UserFactory
from tests.warranty.helpers import act, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    units = {"A": UnitFactory(code="UA"), "B": UnitFactory(code="UB")}
    users = {
        "office A": UserFactory(username="office-a", roles=["dziekanat"], units=[units["A"]]),
        "office B": UserFactory(username="office-b", roles=["dziekanat"], units=[units["B"]]),
        "ssos": UserFactory(username="ssos", roles=["ssos"]),
        "usos": UserFactory(username="usos", roles=["usos"]),
        "admin": UserFactory(username="admin", is_superuser=True, is_staff=True),
        "holder A": UserFactory(username="holder-a"),
        "holder B": UserFactory(username="holder-b"),
        "outsider": UserFactory(username="outsider"),
    }
    things = {}
    for side in "AB":
        holder = HolderFactory(user=users[f"holder {side}"])
        card = CardFactory(serving_unit=units[side], holder=holder)
        case = act(open_case(card, "fault", users[f"office {side}"]), "receive_card",
                   users["ssos"])  # taken in: its intake receipt exists
        things[side] = {"holder": holder, "card": card, "case": case}
    return users, things


def may_see(who: str, side: str) -> bool:
    return who in ("ssos", "usos", "admin", f"office {side}", f"holder {side}")


def object_addresses(thing) -> dict[str, str]:
    card, case, holder = thing["card"], thing["case"], thing["holder"]
    return {
        "card page": f"/cards/{card.pk}/", "case page": f"/cases/{case.pk}/",
        "card API": f"/api/cards/{card.pk}/", "case API": f"/api/cases/{case.pk}/",
        "case comments API": f"/api/cases/{case.pk}/comments/",
        "holder API": f"/api/holders/{holder.pk}/",
        "intake receipt": f"/cases/{case.pk}/receipt.pdf",
    }


ADMIN_PAGES = ["/admin/cards/holder/{holder}/change/", "/admin/cards/card/{card}/change/",
               "/admin/warranty/case/{case}/change/", "/admin/cards/holder/",
               "/admin/cards/card/", "/admin/warranty/case/", "/admin/access_log/accessentry/"]
LISTS = ["/", "/cards/", "/cards/mine/", "/cases/", "/cases/mine/", "/api/cards/",
         "/api/cases/", "/api/cases/queues/", "/reports/", "/reports/backlog/",
         "/reports/backlog/export.csv", "/reports/cards-by-state/export.xlsx",
         "/reports/access-log/", "/reports/access-log/export.csv"]


def body_of(response) -> str:
    if response.get("Content-Type") == "application/pdf":
        pdf = PdfReader(io.BytesIO(response.content))
        return "\n".join(page.extract_text() for page in pdf.pages)
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def test_no_leak_across_roles_units_and_endpoints_and_no_full_pesel_anywhere(world):
    users, things = world
    pesels = [thing["holder"].pesel for thing in things.values()]
    assert all(len(p) == 11 for p in pesels)
    checked = refused = 0
    for who, user in users.items():
        client = APIClient()
        client.force_login(user)
        token = APIClient(HTTP_AUTHORIZATION=f"Token {create_token(user)}")
        for side, thing in things.items():
            for name, url in object_addresses(thing).items():
                for caller in (client, token) if url.startswith("/api/") else (client,):
                    response = caller.get(url)
                    text = body_of(response)
                    checked += 1
                    if may_see(who, side):
                        assert response.status_code == 200, (who, name, side)
                        if name.endswith("receipt"):  # the PDF's text is really read
                            assert thing["card"].number in text, (who, name)
                    else:
                        refused += 1
                        assert response.status_code in (403, 404), (who, name, side)
                        assert thing["card"].number not in text, (who, name, side)
                    for pesel in pesels:
                        assert pesel not in text, (who, name, "full PESEL")
            ids = {key: thing[key].pk for key in ("holder", "card", "case")}
            for pattern in ADMIN_PAGES:
                response = client.get(pattern.format(**ids))
                text = body_of(response)
                checked += 1
                if who != "admin":
                    refused += 1
                    assert response.status_code in (302, 403, 404), (who, pattern)
                    assert thing["card"].number not in text
                for pesel in pesels:
                    assert pesel not in text, (who, pattern, "full PESEL")
        for url in LISTS:
            response = client.get(url)
            text = body_of(response)
            checked += 1
            assert response.status_code < 500, (who, url)
            for side, thing in things.items():
                if not may_see(who, side):
                    assert thing["card"].number not in text, (who, url, side)
            for pesel in pesels:
                assert pesel not in text, (who, url, "full PESEL")
    print(f"isolation: {checked} answers checked, {refused} refusals, 0 leaks")
    assert checked > 300


def test_ssos_reads_show_on_the_ssos_desk_and_on_card_pages_only_to_who_sees_the_card(world):
    """SSOS's reader is university-wide: its reads of unit A's and unit B's cards open them
    on SSOS's desk; a dean's office sees neither read on its desk, and the read of a card
    only on the page of a card it could see anyway."""
    from reader_bridge.models import Diagnosis
    from tests.reader_bridge.factories import ReaderDeviceFactory
    from tests.reader_bridge.test_live import make_read

    users, things = world
    ssos_reader = ReaderDeviceFactory(unit=None, for_ssos=True, name="ssos-pc")
    reads = {side: make_read(thing["card"], ssos_reader, diagnosis=Diagnosis.OK)
             for side, thing in things.items()}
    for who, user in users.items():
        client = APIClient()
        client.force_login(user)
        desk = client.get("/readers/desk.json")
        desk_ids = {row["id"] for row in desk.json()["reads"]} if desk.status_code == 200 else set()
        assert desk_ids == ({read.pk for read in reads.values()}
                            if who in ("ssos", "admin") else set()), who
        for side, thing in things.items():
            answer = client.get(f"/readers/reads/?card={thing['card'].pk}")
            listed = ({row["id"] for row in answer.json()["reads"]}
                      if answer.status_code == 200 else set())
            assert (reads[side].pk in listed) == may_see(who, side), (who, side)
