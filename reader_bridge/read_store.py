"""Storing an accepted read in one statement: the hot end of ingest.

Written by hand because the ORM cannot say either part:

- ``INSERT … SELECT … WHERE EXISTS (device not revoked)``: the revocation check and the
  insert are one statement. So ingest may keep a device's public key in the process for
  good (keys never change; re-enrolment makes a new device), and a revocation still holds
  from the very next read, with no shared cache to invalidate.
- On PostgreSQL a server-side binding cursor: the values (a few KB of JSON and the chip
  file) go to the server as parameters instead of being quoted into the SQL text in
  Python, and the insert costs about a third of the ORM's. It also skips
  Django's per-request health check (a ``SELECT 1``); a connection the server has closed
  is replaced and the insert tried once more instead, which is safe because a repeated
  insert of the same message is refused by the unique constraint and answered as a retry.

Everything else (query logging, error translation, transactions) is Django's own.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db import (
    DEFAULT_DB_ALIAS,
    InterfaceError,
    OperationalError,
    connection,
    connections,
    transaction,
)
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


@lru_cache(maxsize=1)
def _field_names() -> frozenset[str]:
    return frozenset(f.attname for f in _insert_sql()[1])


def _cursor(db):
    if db.vendor != "postgresql" or not is_psycopg3:
        return db.cursor()
    import psycopg

    db.ensure_connection()
    db.validate_thread_sharing()
    server_side = psycopg.Cursor(db.connection)
    return db.make_debug_cursor(server_side) if db.queries_logged else db.make_cursor(server_side)


def _execute(db, sql: str, params: list) -> tuple | None:
    with _cursor(db) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def insert_unless_revoked(values: dict[str, Any]) -> int | None:
    """INSERT a CardRead unless its device is revoked or gone; its id, or None if refused.

    `values` by field attname (device_id included); other fields take their defaults.
    Raises IntegrityError when the device already sent this message id. Inside a
    caller's transaction it runs in a savepoint, so a duplicate leaves that usable.
    """
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: cheaper than the proxy per use
    sql, fields = _insert_sql()
    if unknown := values.keys() - _field_names():
        raise TypeError(f"CardRead has no field {', '.join(sorted(unknown))}")
    params = [f.get_db_prep_save(values[f.attname] if f.attname in values else f.get_default(),
                                 db) for f in fields]
    params.append(ReaderDevice._meta.pk.get_db_prep_value(values["device_id"], db))
    if db.in_atomic_block:
        with transaction.atomic():
            row = _execute(db, sql, params)
    else:
        try:
            row = _execute(db, sql, params)
        except (OperationalError, InterfaceError):
            if db.is_usable():
                raise
            db.close()  # the server closed it: one more try on a new connection
            row = _execute(db, sql, params)
    return row[0] if row else None
