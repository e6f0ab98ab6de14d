from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from cards.roles import is_staff_member


@login_required
def home(request):
    """The landing page: staff go to their work, holders to their cards."""
    if is_staff_member(request.user):
        return redirect("cards:list")
    if hasattr(request.user, "holder"):
        return redirect("cards:mine")
    return render(request, "home.html")
