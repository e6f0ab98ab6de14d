"""API tokens move from DRF's plain-text table to knox's hashed one.

Each existing key keeps working (knox finds a token by its first 15 characters and
compares the SHA-512 of the whole), now with an expiry; the plain-text table is dropped.
"""

import hashlib

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"


def move_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    expiry = timezone.now() + settings.REST_KNOX["TOKEN_TTL"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {OLD_TABLE}")  # noqa: S608
        rows = cursor.fetchall()
    AuthToken.objects.bulk_create(
        AuthToken(digest=hashlib.sha512(key.encode()).hexdigest(), token_key=key[:15],
                  user_id=user_id, expiry=expiry)
        for key, user_id in rows
    )
    schema_editor.execute(f"DROP TABLE {OLD_TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("knox", "0009_extend_authtoken_field"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [migrations.RunPython(move_tokens, migrations.RunPython.noop)]
