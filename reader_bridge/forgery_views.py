""""Report to SSOS" from a read whose diagnosis suspects a forgery."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cards.errors import ActionNotPossible, CardActionError
from cards.roles import is_staff_member

from .forgery import forgery_refusal, forgery_report, read_for_report
from .read_text import read_details


class ForgeryReportForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Where the card came from and what you noticed"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}))


@require_http_methods(["GET", "POST"])
@login_required
def forgery_report_page(request, pk: int):
    if not is_staff_member(request.user):
        raise PermissionDenied
    try:
        read = read_for_report(request.user, pk)
    except ActionNotPossible as exc:
        raise Http404 from exc
    form = ForgeryReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                case = forgery_report(user=request.user, read_id=read.pk,
                                      note=form.cleaned_data["note"])
            except CardActionError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, _("Case %(number)s is open; SSOS was notified.")
                                 % {"number": case.number})
                return redirect("warranty:detail", pk=case.pk)
    return render(request, "reader_bridge/forgery_report.html", {
        "details": read_details(read), "form": form, "refusal": forgery_refusal(read),
    }, status=status)
