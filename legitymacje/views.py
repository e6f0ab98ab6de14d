from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found

from .dashboards import dashboard_for_user


@login_required
def home(request):
    """The landing page: what needs my action now, by role; holders see their cards."""
    dashboard = dashboard_for_user(request.user)
    if not dashboard.panels and not dashboard.is_holder:
        return render(request, "home.html")
    return render(request, "dashboard/home.html", {"dashboard": dashboard})


def not_found(request, exception=None):
    """A JSON 404 under /api/ (the API's error shape), the usual page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)
