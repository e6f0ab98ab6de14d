"""The access log: who viewed or exported which holder, card, case or file."""

from __future__ import annotations

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access_log.models import AccessEntry, AppendOnlyError
from tests.factories import CardFactory
from tests.warranty.helpers import open_case

pytestmark = pytest.mark.django_db


def entries() -> list[tuple[str, str, str, str]]:
    return list(AccessEntry.objects.order_by("pk")
                .values_list("username", "subject", "object_id", "channel"))


def test_pages_api_pdf_and_admin_views_are_recorded(client, deans_office, admin_user, card):
    case = open_case(card, "fault", deans_office)
    client.force_login(deans_office)
    assert client.get(reverse("cards:detail", args=[card.pk])).status_code == 200
    assert client.get(f"/api/cases/{case.pk}/").status_code == 200
    assert client.get(reverse("warranty:detail", args=[case.pk])).status_code == 200
    client.force_login(admin_user)
    assert client.get(reverse("admin:cards_holder_change", args=[card.holder_id])
                      ).status_code == 200

    assert entries() == [
        ("dziekanat", "card", str(card.pk), "page"),
        ("dziekanat", "case", str(case.pk), "api"),
        ("dziekanat", "case", str(case.pk), "page"),
        ("admin", "cards.holder", str(card.holder_id), "admin"),
    ]


def test_refused_and_missing_pages_showed_nothing_and_are_not_recorded(
        client, other_deans_office, card):
    client.force_login(other_deans_office)
    assert client.get(reverse("cards:detail", args=[card.pk])).status_code in (403, 404)
    assert client.get("/api/cards/999999/").status_code == 404
    client.logout()
    client.get(reverse("cards:detail", args=[card.pk]))
    assert entries() == []


def test_recording_costs_one_insert_and_no_lookup(client, deans_office, card):
    client.force_login(deans_office)
    url = reverse("cards:detail", args=[card.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    touching_log = [q["sql"] for q in queries if "access_log_accessentry" in q["sql"]]
    assert len(touching_log) == 1 and touching_log[0].startswith("INSERT")


def test_entries_cannot_be_changed_or_deleted(client, deans_office, card):
    client.force_login(deans_office)
    client.get(reverse("cards:detail", args=[card.pk]))
    entry = AccessEntry.objects.get()
    entry.subject = "nothing"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_the_admin_shows_the_log_read_only_to_administrators(client, admin_user, deans_office,
                                                             card):
    client.force_login(deans_office)
    client.get(reverse("cards:detail", args=[card.pk]))
    entry = AccessEntry.objects.get()
    deans_office.is_staff = True
    deans_office.save()
    assert client.get(reverse("admin:access_log_accessentry_changelist")).status_code == 403
    client.force_login(admin_user)
    listing = client.get(reverse("admin:access_log_accessentry_changelist"))
    assert listing.status_code == 200 and "dziekanat" in listing.content.decode()
    page = client.get(reverse("admin:access_log_accessentry_change", args=[entry.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(reverse("admin:access_log_accessentry_delete", args=[entry.pk]),
                       {"post": "yes"}).status_code == 403
    assert AccessEntry.objects.filter(pk=entry.pk).exists()


def test_the_access_report_is_for_administrators_only(client, admin_user, deans_office, ssos):
    card = CardFactory(serving_unit=deans_office.units.get())
    client.force_login(deans_office)
    for _ in range(3):
        client.get(reverse("cards:detail", args=[card.pk]))
    url = reverse("reports:detail", args=["access-log"])
    for user in (deans_office, ssos):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert "access-log" not in client.get(reverse("reports:index")).content.decode()
    client.force_login(admin_user)
    report = client.get(url)
    assert report.status_code == 200
    row = report.context["result"].table.rows[0]
    assert row[:3] == ("dziekanat", "card", str(card.pk)) and row[4] == 3
    csv = client.get(reverse("reports:export", args=["access-log", "csv"]))
    assert csv.status_code == 200 and "dziekanat" in b"".join(csv.streaming_content).decode()
    assert AccessEntry.objects.filter(subject="report", object_id="access-log").exists()
