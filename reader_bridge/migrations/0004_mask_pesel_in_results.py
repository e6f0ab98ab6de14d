"""Stored results keep the chip's PESEL only masked (the codec now stores it so)."""

from django.db import migrations

from cards.pesel import mask_pesel


def mask_stored_numbers(apps, schema_editor):
    CardRead = apps.get_model("reader_bridge", "CardRead")
    for pk, result in CardRead.objects.values_list("pk", "result").iterator():
        data = ((result or {}).get("chip") or {}).get("data") or {}
        pesel = data.get("pesel")
        if pesel and "•" not in pesel:
            data["pesel"] = mask_pesel(pesel)
            CardRead.objects.filter(pk=pk).update(result=result)


class Migration(migrations.Migration):
    dependencies = [("reader_bridge", "0003_lean_read_indexes")]
    operations = [migrations.RunPython(mask_stored_numbers, migrations.RunPython.noop)]
