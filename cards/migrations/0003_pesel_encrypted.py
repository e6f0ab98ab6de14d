"""PESEL numbers move to an encrypted column with a keyed hash beside it for exact search."""

from django.db import migrations, models

import cards.fields
import cards.models
from cards.pesel import pesel_decrypt, pesel_digest, pesel_encrypt


def encrypt_numbers(apps, schema_editor):
    Holder = apps.get_model("cards", "Holder")
    for pk, number in Holder.objects.exclude(pesel="").values_list("pk", "pesel").iterator():
        Holder.objects.filter(pk=pk).update(pesel=pesel_encrypt(number),
                                            pesel_hash=pesel_digest(number))


def decrypt_numbers(apps, schema_editor):
    Holder = apps.get_model("cards", "Holder")
    for pk, token in Holder.objects.exclude(pesel="").values_list("pk", "pesel").iterator():
        Holder.objects.filter(pk=pk).update(pesel=pesel_decrypt(token), pesel_hash="")


class Migration(migrations.Migration):
    dependencies = [("cards", "0002_role_groups")]

    operations = [
        migrations.RemoveConstraint(model_name="holder", name="holder_unique_pesel"),
        migrations.AddField(
            model_name="holder", name="pesel_hash",
            field=cards.fields.PeselHashField(blank=True, default="", editable=False,
                                              max_length=64, verbose_name="PESEL (keyed hash)"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="holder", name="pesel",
            field=models.TextField(blank=True, verbose_name="PESEL"),
        ),
        migrations.RunPython(encrypt_numbers, decrypt_numbers),
        migrations.AlterField(
            model_name="holder", name="pesel",
            field=cards.fields.EncryptedPeselField(
                blank=True, help_text="Empty for holders without a PESEL number.",
                validators=[cards.models.validate_pesel], verbose_name="PESEL"),
        ),
        migrations.AddConstraint(
            model_name="holder",
            constraint=models.UniqueConstraint(condition=models.Q(("pesel_hash", ""), _negated=True),
                                               fields=("pesel_hash",),
                                               name="holder_unique_pesel_hash"),
        ),
    ]
