"""`manage.py pesel_rotate_key`: re-encrypt every stored PESEL under the newest key.

Rotation: put the new key first in PESEL_ENCRYPTION_KEYS (keep the old ones after it),
deploy, run this command, then drop the old keys.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from cards.models import Holder


class Command(BaseCommand):
    help = "Re-encrypt every stored PESEL with the first key of PESEL_ENCRYPTION_KEYS."

    def handle(self, *args, **options) -> None:
        # The field decrypts with any of the keys and encrypts with the first.
        done = 0
        with transaction.atomic():
            rows = Holder.objects.select_for_update().exclude(pesel_hash="")
            for pk, number in rows.values_list("pk", "pesel"):
                Holder.objects.filter(pk=pk).update(pesel=number)
                done += 1
        self.stdout.write(_("PESEL numbers re-encrypted with the newest key: %(n)d.") % {"n": done})
