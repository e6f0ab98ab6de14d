"""Seed the fee table (CARD_DOMAIN.md §4, 2018 regulation): administrators edit it later."""

import datetime
from decimal import Decimal

from django.db import migrations

FROM_2018 = datetime.date(2018, 10, 1)
FEES = [
    ("ELS", "issue", Decimal("22.00"), "2018 regulation; UMCS, UP Kraków, PUT"),
    ("ELS", "duplicate", Decimal("33.00"), "1.5 × issue; UJ procedure"),
    # Doctoral candidates admitted from 1 Oct 2018 pay nothing; sources conflict on the
    # duplicate (UMCS lists 33 zł), so the table starts at 0 and an administrator decides.
    ("ELD", "issue", Decimal("0.00"), "admitted from 1 Oct 2018"),
    ("ELD", "duplicate", Decimal("0.00"), "no national rule found; UMCS lists 33 zł"),
    ("ELN", "issue", Decimal("22.00"), "UMCS; no national rule found"),
    ("ELN", "duplicate", Decimal("33.00"), "UMCS; no national rule found"),
]


def seed(apps, schema_editor):
    FeeSchedule = apps.get_model("warranty", "FeeSchedule")
    for kind, event, amount, note in FEES:
        FeeSchedule.objects.get_or_create(
            card_kind=kind, event=event, valid_from=FROM_2018,
            defaults={"amount": amount, "currency": "PLN", "note": note},
        )


def unseed(apps, schema_editor):
    FeeSchedule = apps.get_model("warranty", "FeeSchedule")
    for kind, event, _amount, _note in FEES:
        FeeSchedule.objects.filter(card_kind=kind, event=event, valid_from=FROM_2018).delete()


class Migration(migrations.Migration):
    dependencies = [("warranty", "0001_cases")]
    operations = [migrations.RunPython(seed, unseed)]
