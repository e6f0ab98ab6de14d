"""API tokens (django-rest-knox): stored as a hash, expiring, revoked on a password change.

A program sends `Authorization: Token <token>`; `manage.py create_api_token USER` makes
one and shows it once.
"""

from __future__ import annotations

from knox.auth import TokenAuthentication
from knox.models import AuthToken

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError as exc:  # a header of stray bytes is a bad token, not a 500
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token) -> bool:
        """Drops this token when it has expired (knox would also sweep all the user's
        other tokens, one more query on every API call)."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


def create_token(user) -> str:
    """A new token for `user` (expiring after REST_KNOX TOKEN_TTL); only its hash is kept."""
    _instance, token = AuthToken.objects.create(user=user)
    return token


@receiver(pre_save, sender=get_user_model())
def _revoke_tokens_on_password_change(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True)
    if stored.first() not in (None, instance.password):
        AuthToken.objects.filter(user_id=instance.pk).delete()


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI schema, under the name it had before tokens were hashed."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization",
                                                   token_prefix="Token")
