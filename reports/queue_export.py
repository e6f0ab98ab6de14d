"""The case queue as its page filters it, with holders' names, as CSV for the office."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from cards.roles import is_staff_member
from warranty.page_selectors import queue_cases, unit_choices
from warranty.staff_forms import QueueFilterForm

from .exports import csv_response


@login_required
def case_queue_export(request: HttpRequest) -> StreamingHttpResponse:
    if not is_staff_member(request.user):
        raise PermissionDenied
    form = QueueFilterForm(request.GET or None, units=unit_choices(request.user))
    cases = queue_cases(request.user, **form.filters())
    header = [_("Case"), _("Kind"), _("State"), _("Holder"), _("Album / employee no."),
              _("Card"), _("Unit"), _("In this state since")]
    rows = ((case.number, case.get_kind_display(), case.get_state_display(),
             case.holder.full_name, case.holder.album_number or case.holder.employee_number,
             case.card.number, case.unit.code, case.state_changed_at)
            for case in cases.iterator(chunk_size=500))
    return csv_response(f"zgloszenia-{timezone.localdate().isoformat()}.csv", header, rows)
