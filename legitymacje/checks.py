"""Deployment checks of our own settings (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
