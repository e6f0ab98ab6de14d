from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .dashboards import dashboard_for_user


@login_required
def home(request):
    """The landing page: what needs my action now, by role; holders see their cards."""
    dashboard = dashboard_for_user(request.user)
    if not dashboard.panels and not dashboard.is_holder:
        return render(request, "home.html")
    return render(request, "dashboard/home.html", {"dashboard": dashboard})
