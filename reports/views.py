from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .access import can_view_reports, report_unit_ids, report_visible
from .catalogue import REPORTS
from .datasets import DATASETS
from .exports import csv_response, xlsx_response
from .filters import ReportFilterForm, default_range
from .models import ExportFormat, ExportJob, ExportStatus
from .rollups import request_refresh_if_stale
from .services import ExportRefused, export_file_name, export_job_create

RECENT_JOBS = 10
FIRST_COUNT_MESSAGE = _("The card history is being counted for this report for the first time. "
                        "Download the file again in a moment.")


def reports_access(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_view_reports(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _reports(request) -> list:
    return [report for report in REPORTS.values() if report_visible(request.user, report)]


def _report(request, slug: str):
    report = REPORTS.get(slug)
    if report is None or not report_visible(request.user, report):
        raise Http404
    return report


def _filter_form(request) -> ReportFilterForm:
    """The filters from the query string; an absent date means the last twelve months."""
    data = request.GET.copy()
    default_from, default_to = default_range(timezone.localdate())
    data.setdefault("date_from", default_from.isoformat())
    data.setdefault("date_to", default_to.isoformat())
    return ReportFilterForm(data, allowed_unit_ids=report_unit_ids(request.user))


class ExportStartForm(forms.Form):
    dataset = forms.ChoiceField(label=_("Data"), choices=())
    file_format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = [(d.slug, d.title) for d in DATASETS.values()]


@reports_access
def report_index(request):
    form = _filter_form(request)
    filters = form.filters() if form.is_valid() else None
    return render(request, "reports/index.html", {
        "form": form, "reports": _reports(request),
        "query": filters.as_query() if filters else {},
        "query_string": filters.as_query_string() if filters else "",
        "export_form": ExportStartForm(),
        "jobs": ExportJob.objects.filter(owner=request.user)[:RECENT_JOBS],
    }, status=200 if form.is_valid() else 400)


@reports_access
def report_detail(request, slug: str):
    report = _report(request, slug)
    form = _filter_form(request)
    context = {"form": form, "report": report, "reports": _reports(request)}
    if not form.is_valid():
        return render(request, "reports/detail.html", context, status=400)
    filters = form.filters()
    if report.freshness is not None:
        context["as_of"] = as_of = report.freshness()
        context["counting"] = as_of is None
        request_refresh_if_stale(as_of)
    context.update(result=report.run(filters), filters=filters, query=filters.as_query(),
                   query_string=filters.as_query_string())
    return render(request, "reports/detail.html", context)


@reports_access
def report_export(request, slug: str, file_format: str):
    report = _report(request, slug)
    if file_format not in ExportFormat.values:
        raise Http404
    form = _filter_form(request)
    if not form.is_valid():
        return render(request, "reports/detail.html",
                      {"form": form, "report": report, "reports": _reports(request)}, status=400)
    if report.freshness is not None and report.freshness() is None:
        request_refresh_if_stale(None)
        return HttpResponse(FIRST_COUNT_MESSAGE, status=409, headers={"Retry-After": "60"},
                            content_type="text/plain; charset=utf-8")
    filters = form.filters()
    table = report.table(filters)
    name = f"{slug}-{filters.date_from}-{filters.date_to}.{file_format}"
    if file_format == ExportFormat.CSV:
        return csv_response(name, table.header, table.rows)
    return xlsx_response(name, table.header, table.rows, sheet_title=str(report.title))


@require_POST
@reports_access
def export_start(request):
    start = ExportStartForm(request.POST)
    filters = ReportFilterForm(request.POST, allowed_unit_ids=report_unit_ids(request.user))
    if not (start.is_valid() and filters.is_valid()):
        for error_list in (*start.errors.values(), *filters.errors.values()):
            for error in error_list:
                messages.error(request, error)
        return redirect("reports:exports")
    try:
        export_job_create(owner=request.user, dataset=start.cleaned_data["dataset"],
                          file_format=start.cleaned_data["file_format"],
                          filters=filters.filters())
    except ExportRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Export requested. It will be ready for download here."))
    return redirect("reports:exports")


@reports_access
def export_list(request):
    return render(request, "reports/exports.html", {
        "jobs": ExportJob.objects.filter(owner=request.user)[:50],
        "export_form": ExportStartForm(), "form": _filter_form(request),
        "datasets": DATASETS.values(),
    })


def _own_job(request, pk: int) -> ExportJob:
    return get_object_or_404(ExportJob, pk=pk, owner=request.user)


@reports_access
def export_status(request, pk: int):
    job = _own_job(request, pk)
    return JsonResponse({
        "id": job.pk, "status": job.status, "status_label": job.get_status_display(),
        "progress": job.progress, "rows_written": job.rows_written, "rows_total": job.rows_total,
        "error": job.error,
        "download_url": reverse("reports:export-download", args=[job.pk])
        if job.status == ExportStatus.DONE else None,
    })


@reports_access
def export_download(request, pk: int):
    job = _own_job(request, pk)
    if job.status == ExportStatus.EXPIRED:
        return HttpResponse(_("This export has expired. Please request it again."), status=410)
    if job.status != ExportStatus.DONE:
        return HttpResponse(_("This export is not ready yet."), status=409)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=export_file_name(job))
