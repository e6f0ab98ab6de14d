"""Deployment checks of our own settings (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.security, deploy=True)
def keys_configured(app_configs, **kwargs):
    """Keys left to derive from SECRET_KEY tie the stored data to it: rotating SECRET_KEY
    would make every PESEL and chip file unreadable and every agent's jobs untrusted."""
    derived = getattr(settings, "KEYS_DERIVED_FROM_SECRET_KEY", [])
    if not derived:
        return []
    return [Warning(
        f"{', '.join(derived)} not set: derived from SECRET_KEY, so a new SECRET_KEY "
        "would lose the stored PESEL numbers and chip files and untrust every reader agent.",
        hint="Set them in the environment (docs/security.md, “Keys”).",
        id="legitymacje.W001")]


@register(Tags.security)
def keys_usable(app_configs, **kwargs):
    """A key that is set but unusable (`PESEL_ENCRYPTION_KEYS=","`, a wrong length) would
    otherwise surface only at the first PESEL saved or the first reader job signed."""
    from cards.pesel import configured_fernet
    from reader_bridge.job_signing import server_key

    errors = []
    for check_id, load in (("legitymacje.E001", configured_fernet),
                           ("legitymacje.E002", server_key)):
        try:
            load()
        except ImproperlyConfigured as exc:
            errors.append(Error(str(exc), hint="docs/security.md, “Keys”.", id=check_id))
    return errors
