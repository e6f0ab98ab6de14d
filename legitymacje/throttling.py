"""The page a locked-out login gets (django-axes counts the failures in the database)."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render


def locked_out(request, original_response=None, credentials=None):
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes},
                  status=settings.AXES_HTTP_RESPONSE_CODE)


def is_cas_ticket_check(request, credentials=None) -> bool:
    """CAS ticket checks are neither counted nor locked: a ticket is a single-use random
    string the CAS server issued, so there is nothing to guess here, while the passwords
    are tried on the CAS server, which throttles them. Counting bad tickets per address
    would let one person behind a campus NAT lock everybody there out of single sign-on."""
    return bool(credentials and "ticket" in credentials)
