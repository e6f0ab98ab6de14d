from django.conf import settings
from django.db import migrations, models

# The case number in the search (cards/search.py; search_fold comes from cards.0005).
CASE_NUMBER_SEARCH = """
CREATE INDEX case_search_trgm ON warranty_case USING gin (search_fold(number) gin_trgm_ops)
"""


def on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('cards', '0006_card_state_index'),
        ('warranty', '0002_seed_fees'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(on_postgres(CASE_NUMBER_SEARCH),
                             on_postgres("DROP INDEX IF EXISTS case_search_trgm")),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('state__in', ['cancelled', 'card_returned', 'converted', 'handed_over', 'resolved']), _negated=True), fields=['state_changed_at', 'id'], include=['state'], name='case_open_waiting'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('state__in', ['cancelled', 'card_returned', 'converted', 'handed_over', 'resolved']), _negated=True), fields=['unit', 'state_changed_at', 'id'], include=['state'], name='case_open_unit_waiting'),
        ),
    ]
