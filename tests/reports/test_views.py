"""The reports pages: who may see them, over which units, filters, exports, query counts."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from cards.models import CardKind
from reports.rollups import card_event_days_refresh
from tests.factories import CardFactory, HolderFactory, UserFactory
from tests.reports.factories import (
    AssessmentFactory,
    CardEventFactory,
    CardReadFactory,
    PaymentFactory,
    ReaderDeviceFactory,
    at,
)

pytestmark = pytest.mark.django_db

RANGE = {"date_from": "2026-01-01", "date_to": "2026-06-30"}
PAGES = ["reports:index", "reports:detail"]


def _get(client, user, path, **query):
    card_event_days_refresh()  # what the periodic task does
    client.force_login(user)
    return client.get(path, {**RANGE, **query})


@pytest.fixture
def holder_user(db):
    user = UserFactory(username="student")
    HolderFactory(user=user)
    return user


@pytest.mark.parametrize("who", ["holder_user", "outsider", "usos_office"])
def test_holders_and_other_roles_are_refused(client, request, who):
    user = request.getfixturevalue(who)
    for path in ("/reports/", "/reports/extensions/", "/reports/extensions/export.csv",
                 "/reports/exports/"):
        assert _get(client, user, path).status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    response = client.get("/reports/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["admin_user", "ssos", "deans_office"])
def test_reports_staff_see_every_report(client, request, who):
    user = request.getfixturevalue(who)
    from reports.catalogue import REPORTS

    assert _get(client, user, "/reports/").status_code == 200
    for slug, report in REPORTS.items():
        response = _get(client, user, f"/reports/{slug}/")
        if report.admin_only and not user.is_superuser:
            assert response.status_code == 404, slug
            continue
        assert response.status_code == 200, slug
        assert b"<svg" in response.content and b"<table" in response.content


def test_deans_office_sees_only_its_own_unit(client, deans_office, unit, other_unit):
    CardEventFactory(card=CardFactory(serving_unit=unit), at=at(2026, 2))
    for _ in range(3):
        CardEventFactory(card=CardFactory(serving_unit=other_unit), at=at(2026, 2))

    table = _get(client, deans_office, "/reports/extensions/").context["result"].table

    assert table.rows == [("2026-02", "ELS", 1)]


def test_deans_office_cannot_pick_another_unit(client, deans_office, other_unit):
    response = _get(client, deans_office, "/reports/extensions/", unit=other_unit.pk)

    assert response.status_code == 400
    assert "result" not in response.context
    assert response.context["form"].errors["unit"]


def test_ssos_sees_the_whole_university_and_may_narrow_it(client, ssos, unit, other_unit):
    CardEventFactory(card=CardFactory(serving_unit=unit), at=at(2026, 2))
    CardEventFactory(card=CardFactory(serving_unit=other_unit), at=at(2026, 2))

    everything = _get(client, ssos, "/reports/extensions/").context["result"].table
    narrowed = _get(client, ssos, "/reports/extensions/", unit=unit.pk).context["result"].table

    assert everything.rows == [("2026-02", "ELS", 2)]
    assert narrowed.rows == [("2026-02", "ELS", 1)]


def test_kind_filter(client, ssos, unit):
    CardEventFactory(card=CardFactory(serving_unit=unit), at=at(2026, 2))
    CardEventFactory(card=CardFactory(serving_unit=unit, kind=CardKind.ELN), at=at(2026, 2))

    table = _get(client, ssos, "/reports/extensions/", kind="ELN").context["result"].table

    assert table.rows == [("2026-02", "ELN", 1)]


@pytest.mark.parametrize(("query", "message"), [
    ({"date_from": "2026-13-01"}, "Wpisz poprawną datę."),
    ({"date_from": "2026-06-01", "date_to": "2026-01-01"}, None),
    ({"date_from": "2000-01-01", "date_to": "2026-01-01"}, None),
    ({"kind": "XYZ"}, None),
])
def test_bad_filters_get_a_clear_message_and_no_report(client, ssos, query, message):
    response = _get(client, ssos, "/reports/extensions/", **query)

    assert response.status_code == 400
    assert "result" not in response.context
    assert response.context["form"].errors
    if message:
        assert message in response.content.decode()


def test_date_range_defaults_to_the_last_twelve_months(client, ssos):
    client.force_login(ssos)
    response = client.get("/reports/extensions/")

    filters = response.context["filters"]
    assert filters.date_from.day == 1
    assert (filters.date_to - filters.date_from).days < 366


def test_csv_export_of_a_report_table(client, ssos, unit):
    CardEventFactory(card=CardFactory(serving_unit=unit), at=at(2026, 2))
    CardEventFactory(card=CardFactory(serving_unit=unit), at=at(2026, 2, 3))

    response = _get(client, ssos, "/reports/extensions/export.csv")

    assert response["Content-Type"].startswith("text/csv")
    assert "extensions-2026-01-01-2026-06-30.csv" in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[1:] == ["2026-02,ELS,2"]
    assert len(lines[0].split(",")) == 3


def test_xlsx_export_of_a_report_table(client, ssos, unit):
    CardEventFactory(card=CardFactory(serving_unit=unit), at=at(2026, 2))

    response = _get(client, ssos, "/reports/extensions/export.xlsx")

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1:] == [("2026-02", "ELS", 1)]


def test_export_of_a_report_is_scoped_like_the_page(client, deans_office, unit, other_unit):
    CardEventFactory(card=CardFactory(serving_unit=other_unit), at=at(2026, 2))

    response = _get(client, deans_office, "/reports/extensions/export.csv")

    assert b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[1:] == []


def _report_queries(client, django_assert_num_queries, user, slug, expected):
    client.force_login(user)
    client.get("/reports/")  # warm the session
    with django_assert_num_queries(expected):
        response = client.get(f"/reports/{slug}/", RANGE)
    assert response.status_code == 200


# Queries each report itself runs; every page adds two: the user (with the holder
# check, the user's roles and units) and the unit choices of the filter form. The
# session comes from the cache after the first request.
PAGE_QUERIES = 2
REPORT_QUERIES = {
    "case-flow": 2, "backlog": 1, "resolution-time": 1, "approval-rate": 1, "fees": 2,
    "extension-errors": 1, "reads-per-device": 2, "batch-claims": 2, "cards-by-state": 2,
    # the card-history reports also read when their rollup was counted
    "extensions": 2, "replacements": 2, "invalidations": 2,
    "access-log": 1,  # for administrators only
}


def _add_rows(count, unit, other_unit):
    device = ReaderDeviceFactory(unit=unit)
    for index in range(count):
        card = CardFactory(serving_unit=unit if index % 2 else other_unit,
                           blank_batch=f"B{index % 3}")
        month = at(2026, 1 + index % 6)
        CardEventFactory(card=card, at=month)
        CardEventFactory(card=card, action="replace", at=month,
                         details={"replacement_reason": "duplicate"})
        CardReadFactory(device=device, card=card, received_at=month)
        AssessmentFactory(case__card=card, case__created_at=month, at=month)
        PaymentFactory(case__card=CardFactory(serving_unit=unit), created_at=month)
    card_event_days_refresh()


def test_every_report_is_pinned():
    from reports.catalogue import REPORTS

    assert set(REPORTS) == set(REPORT_QUERIES)


@pytest.mark.parametrize("slug", sorted(REPORT_QUERIES))
def test_query_count_does_not_grow_with_rows(client, ssos, admin_user, unit, other_unit, slug,
                                             django_assert_num_queries):
    from reports.catalogue import REPORTS

    user = admin_user if REPORTS[slug].admin_only else ssos
    for count in (1, 12):
        _add_rows(count, unit, other_unit)
        if REPORTS[slug].admin_only:
            for card in CardFactory.create_batch(count, serving_unit=unit):
                client.force_login(ssos)
                client.get(f"/cards/{card.pk}/")  # rows for the access log
        _report_queries(client, django_assert_num_queries, user, slug,
                        PAGE_QUERIES + REPORT_QUERIES[slug])


def test_deans_office_scope_costs_no_extra_query(client, deans_office, unit,
                                                    django_assert_num_queries):
    for _ in range(5):
        CardEventFactory(card=CardFactory(serving_unit=unit), at=at(2026, 2))
    card_event_days_refresh()
    _report_queries(client, django_assert_num_queries, deans_office, "extensions",
                    PAGE_QUERIES + REPORT_QUERIES["extensions"])
