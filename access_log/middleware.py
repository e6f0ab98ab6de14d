"""Records every successful GET of a logged route: one INSERT after the view answered.

Which routes are logged, and what they show, is `settings.ACCESS_LOGGED_ROUTES`:
URL name → (subject, URL keyword holding its id). Every admin change page is logged
too, as `app.model`. Only successful answers count: a refused or missing page showed
nothing.
"""

from __future__ import annotations

from django.conf import settings

from .models import AccessEntry, Channel


class AccessLogMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "GET" and response.status_code < 300:
            subject = _subject(request)
            if subject is not None:
                _record(request, *subject)
        return response


def _subject(request) -> tuple[str, str, str] | None:
    """(subject, object id, channel) of the page, or None when it is not logged."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if match is None or user is None or not user.is_authenticated:
        return None
    name = match.view_name
    if name in settings.ACCESS_LOGGED_ROUTES:
        subject, kwarg, channel = settings.ACCESS_LOGGED_ROUTES[name]
        return subject, str(match.kwargs.get(kwarg, "")), channel
    model_admin = getattr(match.func, "model_admin", None)
    if model_admin is not None and name.endswith("_change"):
        return model_admin.model._meta.label_lower, match.kwargs["object_id"], Channel.ADMIN
    return None


def _record(request, subject: str, object_id: str, channel: str) -> None:
    AccessEntry.objects.create(user_id=request.user.pk, username=request.user.get_username(),
                               subject=subject, object_id=object_id[:64], channel=channel,
                               path=request.get_full_path()[:300])
