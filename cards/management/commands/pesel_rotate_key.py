"""`manage.py pesel_rotate_key`: re-encrypt every stored PESEL, and every chip file or read
that carries one, under the newest key.

Rotation: put the new key first in PESEL_ENCRYPTION_KEYS (keep the old ones after it),
deploy, run this command, then drop the old keys.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from cards.fields import EncryptedBinaryField, EncryptedPeselField, EncryptedTextField

ENCRYPTED = (EncryptedPeselField, EncryptedBinaryField, EncryptedTextField)


def encrypted_fields():
    """(model, names of its encrypted fields) for every installed model that has any."""
    for model in apps.get_models():
        names = [field.name for field in model._meta.concrete_fields
                 if isinstance(field, ENCRYPTED)]
        if names:
            yield model, names


class Command(BaseCommand):
    help = "Re-encrypt stored personal data with the first key of PESEL_ENCRYPTION_KEYS."

    def handle(self, *args, **options) -> None:
        # The fields decrypt with any of the keys and encrypt with the first.
        for model, names in encrypted_fields():
            done = 0
            with transaction.atomic():
                rows = model.objects.select_for_update().values_list("pk", *names)
                for pk, *values in rows.iterator(chunk_size=2000):
                    model.objects.filter(pk=pk).update(**dict(zip(names, values, strict=True)))
                    done += 1
            self.stdout.write(_("%(model)s: %(n)d rows re-encrypted with the newest key.")
                              % {"model": model._meta.verbose_name_plural, "n": done})
