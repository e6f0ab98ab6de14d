"""Every staff page runs an exact number of queries, whatever the number of cases and
cards: a page that starts to query per row, or a count that splits in two, fails here."""

from __future__ import annotations

import pytest

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cards.models import CardState
from tests.factories import CardFactory, HolderFactory
from tests.warranty.helpers import act, open_case

pytestmark = pytest.mark.django_db

# Every logged-in page starts with the user with their holder record, roles and units in
# one query (legitymacje.auth; docs/architecture.md, "Roles"); the session comes from the
# cache.
START = 1
PAGES = [
    # (who, url, queries after START, what it adds)
    ("deans_office", "/", 2, "case counts per state, card counts per state"),
    ("ssos", "/", 1, "case counts per state"),
    ("usos_office", "/", 1, "case counts per state"),
    ("admin_user", "/", 2, "case counts per state, card counts per state"),
    # a queue's total comes with the counts; a filter beyond queue, state and overdue
    # (kind, unit) counts its cases; a search reads its ids up to one past the cap, its
    # count and pages in one query
    ("deans_office", "/cases/?queue=unit_open", 3, "counts, page ids, page rows"),
    ("ssos", "/cases/?queue=to_assess", 4, "units to filter by, counts, page ids, page rows"),
    ("ssos", "/cases/?state=in_assessment", 4, "units, counts, page ids, page rows"),
    ("ssos", "/cases/?q=dabrowska", 4, "units, counts, ids up to the cap, page rows"),
    ("ssos", "/cases/?kind=fault", 5, "units, counts, page count, page ids, page rows"),
    # a search with a digit looks the number up whole first; then the matches up to the
    # cap with their text (all of them here, sorted in Python), and the page's rows; over
    # the cap the page's ids come from an index walk (tests/cards/test_card_list.py)
    ("ssos", "/cards/?q=00074", 3, "number lookup, matches up to the cap, page rows"),
    ("ssos", "/cards/?q=dabrowska", 2, "matches up to the cap, page rows"),
    ("ssos", "/cards/?q=ELS-2025-0000741", 1, "number lookup"),
    # every card the user sees: the total from the tally, not a COUNT
    ("ssos", "/cards/", 2, "card count from the tally, page"),
    ("ssos", "/cases/?page=2", 4, "units to filter by, counts, page ids, page rows"),
    # a dean's office: its units' total from the tally too; the page's ids from its units'
    # ordered walks, then their rows
    ("deans_office", "/cards/?state=awaiting_hologram", 3, "tally, page ids, page rows"),
]


def _fill(unit, deans_office, ssos, n: int, first: int = 0) -> None:
    for i in range(first, first + n):
        holder = HolderFactory(first_name="Anna", last_name="Dąbrowska")
        card = CardFactory(serving_unit=unit, holder=holder, number=f"ELS-2025-{740 + i:07d}")
        case = open_case(card, ("fault", "damage", "lost")[i % 3], deans_office)
        if i % 3 == 0:
            act(case, "receive_card", ssos)
        CardFactory(serving_unit=unit, state=CardState.AWAITING_HOLOGRAM)


def _queries(client, user: User, url: str) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize(("who", "url", "queries", "_what"), PAGES)
def test_staff_page_queries_are_pinned(who, url, queries, _what, request, client, unit,
                                       deans_office, ssos, monkeypatch):
    user = request.getfixturevalue(who)
    monkeypatch.setattr("warranty.page_selectors.QUEUE_PAGE_SIZE", 5)  # 11 cases: 3 pages
    _fill(unit, deans_office, ssos, 2)
    assert _queries(client, user, url) == START + queries
    _fill(unit, deans_office, ssos, 9, first=2)
    assert _queries(client, user, url) == START + queries


def test_case_page_queries_are_pinned(client, unit, deans_office, ssos):
    _fill(unit, deans_office, ssos, 1)
    case = open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    act(case, "receive_card", ssos)
    # the case with its card, holder, unit, payment, assessment and the version of its
    # history; the people who opened it, took the card in or have it (one query); its
    # history, comments, attachments, e-mails and the card's history, only for a version
    # not yet rendered (warranty.case_history); the people it can be assigned to; the
    # unit's card readers (live reads); the access log entry. A replacement card or a
    # follow-up case adds one query each, only when the case has one.
    url = f"/cases/{case.pk}/"
    assert _queries(client, deans_office, url) == START + 10
    assert _queries(client, deans_office, url) == START + 5


def test_a_session_confirmed_by_the_second_factor_costs_no_query(client, unit, deans_office,
                                                                   ssos):
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from legitymacje import second_factor

    device = TOTPDevice.objects.create(user=deans_office, name="phone", confirmed=True)
    _fill(unit, deans_office, ssos, 1)
    client.force_login(deans_office)
    request = type("Request", (), {"session": client.session, "user": deans_office})()
    otp_login(request, device)  # what the verify page does once the code is right
    second_factor.settle(request)
    request.session.save()
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response.status_code == 200
    assert len(captured) == START + PAGES[0][2]
