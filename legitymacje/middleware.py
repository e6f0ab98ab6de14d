"""Request-wide security: private responses, the idle timeout, the staff second factor."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import second_factor


class PrivateResponsesMiddleware:
    """Every page and API answer may carry personal data: no browser or proxy keeps one.
    Static files never get here (WhiteNoise answers them first) and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "public" not in response.get("Cache-Control", ""):
            patch_cache_control(response, no_store=True, private=True)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


LAST_SEEN = "last_seen"
# The session is written at most this often just to move the idle clock.
LAST_SEEN_RESOLUTION_SECONDS = 60


@receiver(user_logged_in)
def _start_idle_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = time.time()


class SessionIdleTimeoutMiddleware:
    """Logs out a session that made no request for SESSION_IDLE_TIMEOUT."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            if last_seen is not None and now - last_seen > idle:
                logout(request)
                messages.info(request, _("You were logged out after a period of inactivity."))
                return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
            if last_seen is None or now - last_seen > LAST_SEEN_RESOLUTION_SECONDS:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class StaffSecondFactorMiddleware:
    """A staff member with a TOTP device (or every staff member, when
    OTP_REQUIRED_FOR_STAFF is on) gets nothing but the second-factor pages until the
    session is verified."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = second_factor.pending_step(request)
        if step is None or second_factor.is_exempt(request.path):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "second_factor_required",
                                 "detail": _("Confirm your login with a one-time code first.")},
                                status=403)
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
