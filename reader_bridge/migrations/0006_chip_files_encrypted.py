"""Chip files and the messages that carry them are encrypted at rest (they hold the PESEL).

The rows are rewritten with plain SQL: the historical models already have the encrypted
fields, which would try to decrypt what is still plain.
"""

from django.db import migrations

import cards.fields
from cards.pesel import decrypt_at_rest, encrypt_at_rest

COLUMNS = {
    "reader_bridge_cardread": ("body", "els_file", "cert_file"),
    "reader_bridge_chipwritejob": ("old_file", "new_file", "content"),
}
TEXT_COLUMNS = {"body"}
BATCH = 2000


def _rewrite(schema_editor, convert):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    for table, columns in COLUMNS.items():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {', '.join(map(quote, columns))} FROM {quote(table)}")
            rows = cursor.fetchall()
        changed = []
        for pk, *values in rows:
            new = [convert(value, column in TEXT_COLUMNS) if value else value
                   for column, value in zip(columns, values, strict=True)]
            if new != values:
                changed.append((*new, pk))
        assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
        with connection.cursor() as cursor:
            for start in range(0, len(changed), BATCH):
                cursor.executemany(f"UPDATE {quote(table)} SET {assignments} WHERE id = %s",
                                   changed[start:start + BATCH])


def _encrypt(value, is_text):
    return encrypt_at_rest(value.encode()).decode() if is_text else encrypt_at_rest(bytes(value))


def _decrypt(value, is_text):
    return decrypt_at_rest(value.encode()).decode() if is_text else decrypt_at_rest(bytes(value))


def encrypt_rows(apps, schema_editor):
    _rewrite(schema_editor, _encrypt)


def decrypt_rows(apps, schema_editor):
    _rewrite(schema_editor, _decrypt)


class Migration(migrations.Migration):

    dependencies = [
        ('reader_bridge', '0005_chip_jobs'),
    ]

    operations = [
        migrations.AlterField(
            model_name='cardread',
            name='body',
            field=cards.fields.EncryptedTextField(verbose_name='message as received'),
        ),
        migrations.AlterField(
            model_name='cardread',
            name='cert_file',
            field=cards.fields.EncryptedBinaryField(blank=True, null=True, verbose_name='certificate file'),
        ),
        migrations.AlterField(
            model_name='cardread',
            name='els_file',
            field=cards.fields.EncryptedBinaryField(blank=True, null=True, verbose_name='EF.ELS'),
        ),
        migrations.AlterField(
            model_name='chipwritejob',
            name='content',
            field=cards.fields.EncryptedBinaryField(blank=True, null=True, verbose_name='content to sign'),
        ),
        migrations.AlterField(
            model_name='chipwritejob',
            name='new_file',
            field=cards.fields.EncryptedBinaryField(blank=True, null=True, verbose_name='EF.ELS to write'),
        ),
        migrations.AlterField(
            model_name='chipwritejob',
            name='old_file',
            field=cards.fields.EncryptedBinaryField(blank=True, null=True, verbose_name='EF.ELS before the extension'),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows),
    ]
