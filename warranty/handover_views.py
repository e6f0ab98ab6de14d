"""The hand-over stack: the new cards ready for pick-up, handed over together.

Each row takes its new card's number and chip serial (the chip serial filled in by the
card put on the reader, `{% new_card_read %}`); every filled row is handed over in its own
transaction (`bulk.cases_hand_over_in_bulk`), so one refusal leaves the others done. The
stack comes in pages of as many as are handed over at once, with the count of all.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cards.errors import CardActionError
from cards.models import EventSource

from .bulk import HandOver, cases_hand_over_in_bulk, stack_to_hand_over
from .policy import may_take_somewhere
from .staff_views import report_bulk_result
from .transitions import TRANSITIONS


@login_required
@require_http_methods(["GET", "POST"])
def hand_over_stack(request: HttpRequest) -> HttpResponse:
    if not may_take_somewhere(request.user, TRANSITIONS["hand_over"]):
        raise PermissionDenied
    stack = stack_to_hand_over(request.user, request.GET.get("page"))
    if request.method == "POST":
        hand_overs = _filled_rows(request)
        if not hand_overs:
            messages.error(request, _("Fill in the new card of at least one case."))
        else:
            try:
                result = cases_hand_over_in_bulk(hand_overs=hand_overs, actor=request.user,
                                                 source=EventSource.WEB)
            except CardActionError as exc:
                messages.error(request, exc.message)
            else:
                report_bulk_result(request, "hand_over", result)
        # The cards handed over leave the stack: the same page shows the next ones.
        return redirect(f"{reverse('warranty:hand-over-stack')}?page={stack.number}")
    return render(request, "warranty/hand_over_stack.html", {"stack": stack})


def _filled_rows(request: HttpRequest) -> list[HandOver]:
    """The rows the form posted (each carries its case's state), not the page as it is
    now: cards handed over at another desk meanwhile shift the page, and the rows typed
    here must not be dropped for it. The bulk step refuses cases the user does not see."""
    rows = []
    for key in request.POST:
        case_id = key.removeprefix("state-")
        if key == case_id or not (case_id.isascii() and case_id.isdigit()
                                  and len(case_id) < 10):
            continue
        number = request.POST.get(f"number-{case_id}", "").strip()[:30]
        serial = request.POST.get(f"serial-{case_id}", "").strip()[:64]
        if number or serial:
            rows.append(HandOver(case_id=int(case_id), expected_state=request.POST[key],
                                 new_number=number, new_chip_serial=serial))
    return rows
