"""The CAS login and logout pages (django-cas-ng), refusing in the user's language."""

from __future__ import annotations

from django_cas_ng import views as cas_views

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

CAS_BACKEND = "legitymacje.sso.UniversityCASBackend"


class CASLoginView(cas_views.LoginView):
    # As django-cas-ng's own view: the CAS server posts single-logout requests here.
    @method_decorator(csrf_exempt)
    def dispatch(self, request, *args, **kwargs):
        if not settings.CAS_SERVER_URL:
            raise Http404
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied:
            messages.error(request, getattr(request, "cas_refusal", None) or _(
                "The university login did not succeed. Try again or log in with your "
                "password."))
            return redirect("login")


class LoginView(auth_views.LoginView):
    """The password login, offering the university login beside it when CAS is set up."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, cas_enabled=bool(settings.CAS_SERVER_URL))


@require_POST
def logout(request):
    """Logs out here, and out of CAS too when the session came from CAS."""
    if settings.CAS_SERVER_URL and request.session.get(BACKEND_SESSION_KEY) == CAS_BACKEND:
        return cas_views.LogoutView.as_view()(request)
    return auth_views.LogoutView.as_view()(request)
