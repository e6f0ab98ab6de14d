"""API tokens: hashed at rest, expiring, revoked when the password changes."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from knox.models import AuthToken

from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _token_for(user) -> str:
    out = StringIO()
    call_command("create_api_token", user.username, stdout=out)
    return out.getvalue().strip()


def _get(token: str, url: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get(url)


def test_a_token_is_shown_once_and_stored_only_as_a_hash(deans_office, card):
    token = _token_for(deans_office)
    assert _get(token, reverse("card-list")).status_code == 200
    stored = AuthToken.objects.get(user=deans_office)
    assert token not in (stored.digest, stored.token_key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, token_key FROM knox_authtoken")
        assert all(token not in value for row in cursor.fetchall() for value in row)
    assert timezone.now() + timedelta(days=89) < stored.expiry


def test_an_expired_token_is_refused(deans_office, card):
    token = _token_for(deans_office)
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    response = _get(token, reverse("card-list"))
    assert response.status_code == 401
    assert not AuthToken.objects.exists()


def test_a_password_change_revokes_the_users_tokens(deans_office, ssos, card):
    token, other = _token_for(deans_office), _token_for(ssos)
    deans_office.last_login = timezone.now()
    deans_office.save(update_fields=["last_login"])  # logging in is not a password change
    assert _get(token, reverse("card-list")).status_code == 200
    deans_office.set_password("nowe-haslo-2026")
    deans_office.save()
    assert _get(token, reverse("card-list")).status_code == 401
    assert _get(other, reverse("card-list")).status_code == 200


@pytest.mark.parametrize("header", [b"Token \xff\xfe", "Token abc", "Token " + "a" * 500])
def test_a_garbled_token_is_a_401_not_a_500(header, card):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(reverse("card-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.postgres
def test_tokens_made_before_keep_working_and_the_plain_table_goes(deans_office, card):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("legitymacje.migrations.0001_hashed_api_tokens")
    old_key = "0123456789abcdef0123456789abcdef01234567"  # a DRF key: 40 hex digits
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
                       "created timestamp with time zone, user_id integer)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, CURRENT_TIMESTAMP, %s)",
                       [old_key, deans_office.pk])
    with connection.schema_editor() as editor:
        migration.move_tokens(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    assert _get(old_key, reverse("card-list")).status_code == 200
    stored = AuthToken.objects.get(user=deans_office)
    assert old_key not in (stored.digest, stored.token_key) and stored.expiry is not None
