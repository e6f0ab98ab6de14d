"""When a staff member still owes the second factor (TOTP, django-otp).

Decided once at login and kept in the session, so pages pay no query for it: a staff
member with a confirmed device must verify it; one without a device must enrol when
OTP_REQUIRED_FOR_STAFF is on. Holders log in with one factor.
"""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.urls import reverse

from cards.roles import is_staff_member

PENDING = "second_factor_pending"
STEP_VIEWS = {"enrol": "otp-enrol", "verify": "otp-verify"}


def owes_second_factor(user) -> bool:
    return bool(user.is_staff or is_staff_member(user))


def step_for(user) -> str | None:
    if not owes_second_factor(user):
        return None
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return "verify"
    return "enrol" if settings.OTP_REQUIRED_FOR_STAFF else None


@receiver(user_logged_in)
def _decide_at_login(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    step = step_for(user)
    if step:
        request.session[PENDING] = step
    else:
        request.session.pop(PENDING, None)


def pending_step(request) -> str | None:
    """The view name of the step the session still owes, or None."""
    session = getattr(request, "session", None)
    if session is None or not request.user.is_authenticated:
        return None
    return STEP_VIEWS.get(session.get(PENDING))


def settle(request) -> None:
    request.session.pop(PENDING, None)


def is_exempt(path: str) -> bool:
    if path.startswith(f"/{settings.STATIC_URL.lstrip('/')}"):
        return True
    return path in {reverse(name) for name in
                    (*STEP_VIEWS.values(), "logout", "set_language", "javascript-catalog")}
