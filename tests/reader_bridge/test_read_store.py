"""Storing a read on PostgreSQL: a connection the server dropped costs no read."""

from __future__ import annotations

import psycopg
import pytest

from django.db import connection

from reader_bridge.models import CardRead
from reader_bridge.services import read_ingest

from .factories import read_body, signed_headers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _deliver(device) -> bool:
    body = read_body()
    signature = signed_headers(device, body)["HTTP_X_READER_SIGNATURE"]
    return read_ingest(device_id=str(device.pk), signature=signature, body=body)[1]


def test_read_after_the_server_dropped_the_connection_is_stored(device, no_processing):
    assert _deliver(device)
    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432,
                         user=settings["USER"], password=settings["PASSWORD"],
                         dbname=settings["NAME"], autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])

    assert _deliver(device)
    assert CardRead.objects.count() == 2
