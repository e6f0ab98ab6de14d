from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cards', '0005_search'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='card',
            index=models.Index(fields=['state', 'serving_unit'], name='cards_card_state_bc8fd4_idx'),
        ),
    ]
