"""University single sign-on (CAS): who a CAS user is here.

The CAS username is the staff account's username. A holder has no account of their own
until the first CAS login: the CAS attributes carry the PESEL or the album number, and
the holder they match gets an account then (no password: CAS only).
"""

from __future__ import annotations

import logging

import requests
from django_cas_ng.backends import CASBackend
from django_cas_ng.utils import get_cas_client

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from cards.models import Holder
from cards.selectors import holder_by_pesel  # the keyed-hash exact match, nothing else

from .auth import UserWithHolderBackend

logger = logging.getLogger(__name__)


def holder_by_album(album_number: str) -> Holder | None:
    if not album_number:
        return None
    return Holder.objects.filter(album_number=album_number).first()


def _attribute(attributes: dict, name: str) -> str:
    value = attributes.get(name) or ""
    if isinstance(value, list):  # CAS attributes may repeat
        value = value[0] if value else ""
    return str(value).strip()


def user_for_cas(username: str, attributes: dict):
    """The account a CAS login opens, or None when the university user is unknown here."""
    user_model = get_user_model()
    user = user_model._default_manager.filter(username=username).first()
    if user is not None:
        return user
    holder = (holder_by_pesel(_attribute(attributes, settings.CAS_PESEL_ATTRIBUTE))
              or holder_by_album(_attribute(attributes, settings.CAS_ALBUM_ATTRIBUTE)))
    if holder is None:
        return None
    with transaction.atomic():
        holder = Holder.objects.select_for_update().get(pk=holder.pk)
        if holder.user is None:  # first login: the holder's account, for CAS only
            holder.user = user_model._default_manager.create_user(
                username=username, first_name=holder.first_name, last_name=holder.last_name,
                email=holder.email)
            holder.save(update_fields=["user"])
    return holder.user


class UniversityCASBackend(CASBackend, UserWithHolderBackend):
    """Verifies the CAS ticket with the CAS server and maps the user (user_for_cas)."""

    def authenticate(self, request, ticket, service):
        client = get_cas_client(service_url=service, request=request)
        try:
            username, attributes, _pgtiou = client.verify_ticket(ticket)
        except requests.RequestException as exc:
            logger.warning("CAS server did not answer the ticket check: %s", exc)
            _refuse(request, _("The university login service does not answer. Try again in a "
                               "moment or log in with your password."))
            return None
        if not username:
            return None
        user = user_for_cas(self.clean_username(username), attributes or {})
        if user is None:
            _refuse(request, _("Your university account is not linked to any account or card "
                               "holder here. Ask your dean's office."))
            return None
        return user if self.user_can_authenticate(user) else None


def _refuse(request, reason: str) -> None:
    if request is not None:
        request.cas_refusal = reason
