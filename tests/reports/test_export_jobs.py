"""Large exports in the background: progress, the file, owner-only download, expiry."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from django.utils import timezone

from cards.models import CardKind
from reports import services
from reports.filters import ReportFilters
from reports.models import ExportJob, ExportStatus
from tests.factories import CardFactory

pytestmark = pytest.mark.django_db

FILTERS = ReportFilters(date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31))
FORM = {"dataset": "cards", "file_format": "csv", "date_from": "2024-01-01",
        "date_to": "2024-12-31"}


def _request(client, user, django_capture_on_commit_callbacks, **changes):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/reports/exports/start/", {**FORM, **changes})
    assert response.status_code == 302
    return ExportJob.objects.filter(owner=user).latest("pk"), callbacks


def _csv_rows(job: ExportJob) -> list[list[str]]:
    with job.file.open("rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))


def test_export_runs_after_commit_and_writes_every_row(client, ssos, unit,
                                                       django_capture_on_commit_callbacks):
    CardFactory.create_batch(3, serving_unit=unit, issued_on=dt.date(2024, 10, 1))
    CardFactory(serving_unit=unit, issued_on=dt.date(2023, 10, 1))  # outside the range

    job, callbacks = _request(client, ssos, django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert len(callbacks) == 1
    assert (job.status, job.progress, job.rows_total, job.rows_written) == ("done", 100, 3, 3)
    rows = _csv_rows(job)
    assert len(rows) == 4 and rows[1][1] == "ELS" and rows[1][3] == unit.code
    assert job.expires_at - job.finished_at == services.EXPORT_KEPT_FOR


def test_xlsx_export_job(client, ssos, unit, django_capture_on_commit_callbacks):
    CardFactory(serving_unit=unit, issued_on=dt.date(2024, 3, 1), blank_batch="B-7")

    job, _ = _request(client, ssos, django_capture_on_commit_callbacks, file_format="xlsx")

    job.refresh_from_db()
    with job.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1] == "ELS" and rows[1][7] == "B-7"


def test_progress_is_reported_while_writing(monkeypatch, ssos, unit,
                                            django_capture_on_commit_callbacks):
    CardFactory.create_batch(10, serving_unit=unit, issued_on=dt.date(2024, 5, 1))
    monkeypatch.setattr("reports.exports.PROGRESS_EVERY", 4)
    seen = []
    original = services.write_csv

    def watching(target, header, rows, on_progress):
        def record(done):
            on_progress(done)
            seen.append(ExportJob.objects.values_list("status", "progress").get())
        return original(target, header, rows, record)

    monkeypatch.setattr(services, "write_csv", watching)
    with django_capture_on_commit_callbacks(execute=True):
        services.export_job_create(owner=ssos, dataset="cards", file_format="csv",
                                   filters=FILTERS)

    assert seen == [("running", 40), ("running", 80)]
    assert ExportJob.objects.get().progress == 100


def test_deans_office_export_covers_only_its_units(client, deans_office, unit, other_unit,
                                                   django_capture_on_commit_callbacks):
    CardFactory(serving_unit=unit, issued_on=dt.date(2024, 5, 1))
    CardFactory(serving_unit=other_unit, issued_on=dt.date(2024, 5, 1))

    job, _ = _request(client, deans_office, django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert [row[3] for row in _csv_rows(job)[1:]] == [unit.code]


def test_kind_filter_applies_to_the_export(client, ssos, unit,
                                           django_capture_on_commit_callbacks):
    CardFactory(serving_unit=unit, issued_on=dt.date(2024, 5, 1))
    CardFactory(serving_unit=unit, issued_on=dt.date(2024, 5, 1), kind=CardKind.ELN)

    job, _ = _request(client, ssos, django_capture_on_commit_callbacks, kind="ELN")

    job.refresh_from_db()
    assert [row[1] for row in _csv_rows(job)[1:]] == ["ELN"]


def test_only_the_owner_sees_status_and_downloads(client, ssos, admin_user, unit,
                                                  django_capture_on_commit_callbacks):
    CardFactory(serving_unit=unit, issued_on=dt.date(2024, 5, 1))
    job, _ = _request(client, ssos, django_capture_on_commit_callbacks)

    status = client.get(f"/reports/exports/{job.pk}/status.json").json()
    download = client.get(status["download_url"])
    assert status["status"] == "done" and status["progress"] == 100
    assert download.status_code == 200
    assert b"".join(download.streaming_content).decode("utf-8-sig").count("\n") == 2

    client.force_login(admin_user)
    assert client.get(f"/reports/exports/{job.pk}/status.json").status_code == 404
    assert client.get(f"/reports/exports/{job.pk}/download/").status_code == 404
    assert job.pk not in [j.pk for j in client.get("/reports/exports/").context["jobs"]]


def test_a_pending_export_is_not_downloadable_yet(client, ssos):
    job = ExportJob.objects.create(owner=ssos, dataset="cards", file_format="csv",
                                   filters=FILTERS.as_query())
    client.force_login(ssos)

    assert client.get(f"/reports/exports/{job.pk}/status.json").json()["download_url"] is None
    assert client.get(f"/reports/exports/{job.pk}/download/").status_code == 409


def test_expired_exports_lose_their_file(client, ssos, unit,
                                         django_capture_on_commit_callbacks):
    job, _ = _request(client, ssos, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    path = job.file.path

    assert services.export_jobs_expire(now=job.expires_at + dt.timedelta(seconds=1)) == 1

    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and not job.file
    assert not __import__("os").path.exists(path)
    assert client.get(f"/reports/exports/{job.pk}/download/").status_code == 410


def test_broker_outage_delays_the_export_and_the_resend_delivers_it(
        monkeypatch, ssos, unit, django_capture_on_commit_callbacks):
    CardFactory(serving_unit=unit, issued_on=dt.date(2024, 5, 1))

    def broker_down(job_id):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr("reports.tasks.export_job_run_task.delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.export_job_create(owner=ssos, dataset="cards", file_format="csv",
                                         filters=FILTERS)
    job.refresh_from_db()
    assert job.status == ExportStatus.QUEUED

    monkeypatch.undo()
    assert services.export_jobs_resend(now=timezone.now()) == 0  # not stale yet
    later = timezone.now() + services.RESEND_AFTER + dt.timedelta(seconds=1)
    assert services.export_jobs_resend(now=later) == 1

    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.rows_written == 1


def test_a_redelivered_message_does_not_run_the_job_twice(ssos, unit,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.export_job_create(owner=ssos, dataset="cards", file_format="csv",
                                         filters=FILTERS)
    job.refresh_from_db()
    finished = job.finished_at

    services.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.finished_at == finished


def test_unknown_dataset_is_refused_and_nothing_is_queued(client, ssos,
                                                          django_capture_on_commit_callbacks):
    client.force_login(ssos)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/exports/start/", {**FORM, "dataset": "holders"},
                               follow=True)

    assert not ExportJob.objects.exists()
    assert any("holders" in str(m) for m in response.context["messages"])


def test_starting_an_export_needs_post(client, ssos):
    client.force_login(ssos)
    assert client.get("/reports/exports/start/").status_code == 405


def test_case_list_export_for_a_year(ssos, unit, django_capture_on_commit_callbacks):
    from tests.reports.factories import CaseFactory, at

    inside = CaseFactory(card=CardFactory(serving_unit=unit), created_at=at(2024, 3, 1, 10))
    CaseFactory(card=CardFactory(serving_unit=unit), created_at=at(2025, 1, 1, 10))

    with django_capture_on_commit_callbacks(execute=True):
        job = services.export_job_create(owner=ssos, dataset="cases", file_format="xlsx",
                                         filters=FILTERS)

    job.refresh_from_db()
    with job.file.open("rb") as handle:
        rows = list(load_workbook(io.BytesIO(handle.read())).active.iter_rows(values_only=True))
    assert len(rows) == 2
    # choice values in words, as on the pages
    assert rows[1][:2] == (inside.number, "usterka (nie działa, bez widocznych uszkodzeń)")
    assert rows[1][4] == unit.code
    assert rows[1][7] == at(2024, 3, 1, 10).replace(tzinfo=None)  # local wall-clock time
