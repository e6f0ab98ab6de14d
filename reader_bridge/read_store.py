"""Storing an accepted read in one statement: the hot end of ingest.

Written by hand because the ORM cannot say either part:

- ``INSERT … SELECT … WHERE EXISTS (device not revoked)``: the revocation check and the
  insert are one statement. So ingest may keep a device's public key in the process for
  good (keys never change; re-enrolment makes a new device), and a revocation still holds
  from the very next read, with no shared cache to invalidate.
- On PostgreSQL a server-side binding cursor, which psycopg prepares on the connection
  after a few executions: the insert then costs about a third of the ORM's. It also skips
  Django's per-request health check (a ``SELECT 1``); a connection the server has closed
  is replaced and the insert tried once more instead, which is safe because a repeated
  insert of the same message is refused by the unique constraint and answered as a retry.

Everything else (query logging, error translation, transactions) is Django's own.
"""

from __future__ import annotations

from functools import lru_cache

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.backends.postgresql.psycopg_any import is_psycopg3

from .models import CardRead, ReaderDevice


@lru_cache(maxsize=1)
def _insert_sql() -> tuple[str, tuple]:
    """The statement and the fields whose values it takes, in order."""
    quote = connection.ops.quote_name
    fields = tuple(f for f in CardRead._meta.concrete_fields if not f.primary_key)
    table, columns = quote(CardRead._meta.db_table), ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    device = ReaderDevice._meta
    device_table, device_pk = quote(device.db_table), quote(device.pk.column)
    revoked_at = quote(device.get_field("revoked_at").column)
    # Only model metadata goes into the text; every value is a parameter.
    active_device = f"SELECT 1 FROM {device_table} WHERE {device_pk} = %s AND {revoked_at} IS NULL"  # noqa: S608, E501
    sql = (f"INSERT INTO {table} ({columns}) SELECT {values} "  # noqa: S608
           f"WHERE EXISTS ({active_device}) RETURNING {quote(CardRead._meta.pk.column)}")
    return sql, fields


def _cursor():
    if connection.vendor != "postgresql" or not is_psycopg3:
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    connection.validate_thread_sharing()
    server_side = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(server_side)
    return connection.make_cursor(server_side)


def _execute(sql: str, params: list) -> tuple | None:
    with _cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def insert_unless_revoked(read: CardRead) -> bool:
    """INSERT `read` unless its device is revoked or gone; True if stored (read.pk set).

    Raises IntegrityError when the device already sent this message id. Inside a
    caller's transaction it runs in a savepoint, so a duplicate leaves that usable.
    """
    sql, fields = _insert_sql()
    params = [f.get_db_prep_save(f.pre_save(read, add=True), connection) for f in fields]
    params.append(ReaderDevice._meta.pk.get_db_prep_value(read.device_id, connection))
    if connection.in_atomic_block:
        with transaction.atomic():
            row = _execute(sql, params)
    else:
        try:
            row = _execute(sql, params)
        except (OperationalError, InterfaceError):
            if connection.is_usable():
                raise
            connection.close()  # the server closed it: one more try on a new connection
            row = _execute(sql, params)
    if row is None:
        return False
    read.pk = row[0]
    read._state.adding = False
    read._state.db = connection.alias
    return True
