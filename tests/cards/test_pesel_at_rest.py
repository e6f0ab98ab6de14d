"""PESEL at rest: encrypted in the table, found only whole through its keyed hash."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from cards.models import Holder
from cards.selectors import holder_by_pesel
from tests.factories import HolderFactory

pytestmark = pytest.mark.django_db


def stored_column(holder: Holder) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pesel, pesel_hash FROM cards_holder WHERE id = %s", [holder.pk])
        return cursor.fetchone()


def test_the_table_keeps_no_plain_pesel_and_the_number_reads_back():
    holder = HolderFactory(pesel="03220100006")
    token, digest = stored_column(holder)
    assert "03220100006" not in token and "0006" not in token
    assert len(digest) == 64 and "03220100006" not in digest
    assert Holder.objects.get(pk=holder.pk).pesel == "03220100006"


def test_exact_lookup_finds_the_holder_and_nothing_else():
    holder = HolderFactory(pesel="03220100006")
    HolderFactory()
    assert holder_by_pesel("03220100006") == holder
    assert holder_by_pesel(" 03220100006 ") == holder
    assert holder_by_pesel("0322010000") is None
    assert holder_by_pesel("") is None


def test_a_changed_number_changes_its_hash_even_with_update_fields():
    holder = HolderFactory(pesel="03220100006")
    holder.pesel = "02270803628"
    holder.save(update_fields=["pesel"])
    assert holder_by_pesel("02270803628") == holder
    assert holder_by_pesel("03220100006") is None


@pytest.mark.parametrize("lookup", ["startswith", "contains", "exact", "gt", "regex"])
def test_no_partial_or_ordering_search_on_the_number(lookup):
    with pytest.raises(FieldError):
        list(Holder.objects.filter(**{f"pesel__{lookup}": "0"}))
    if lookup != "exact":
        with pytest.raises(FieldError):
            list(Holder.objects.filter(**{f"pesel_hash__{lookup}": "0"}))


@pytest.mark.parametrize("lookup", ["pesel__startswith", "pesel_hash__startswith",
                                    "pesel", "pesel_hash"])
def test_the_admin_refuses_filtering_by_pesel_in_the_address(client, admin_user, lookup):
    holder = HolderFactory(pesel="03220100006")
    HolderFactory(pesel="02270803628")
    client.force_login(admin_user)
    prefix = "0" if "hash" not in lookup else holder.pesel_hash[:2]
    response = client.get(reverse("admin:cards_holder_changelist"), {lookup: prefix})
    assert response.status_code == 400  # refused outright, never a narrowed list
    assert holder.last_name not in response.content.decode()


def test_a_second_holder_with_the_same_pesel_is_refused_in_the_admin(client, admin_user):
    HolderFactory(pesel="03220100006")
    client.force_login(admin_user)
    response = client.post(reverse("admin:cards_holder_add"), {
        "first_name": "Jan", "last_name": "Nowak", "pesel": "03220100006",
        "enrolments-TOTAL_FORMS": 0, "enrolments-INITIAL_FORMS": 0,
        "employments-TOTAL_FORMS": 0, "employments-INITIAL_FORMS": 0,
    })
    assert response.status_code == 200
    assert "pesel" in response.context["adminform"].form.errors
    assert Holder.objects.count() == 1


def test_key_rotation_keeps_every_number(settings):
    holder = HolderFactory(pesel="03220100006")
    old_token, _ = stored_column(holder)
    old_keys = list(settings.PESEL_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.PESEL_ENCRYPTION_KEYS = [new_key, *old_keys]
    assert Holder.objects.get(pk=holder.pk).pesel == "03220100006"  # old key still reads

    call_command("pesel_rotate_key", stdout=open("/dev/null", "w"))  # noqa: SIM115

    settings.PESEL_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    assert stored_column(holder)[0] != old_token
    assert Holder.objects.get(pk=holder.pk).pesel == "03220100006"
    assert holder_by_pesel("03220100006") == holder


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_plain_numbers():
    executor = MigrationExecutor(connection)
    executor.migrate([("cards", "0002_role_groups")])
    old_apps = executor.loader.project_state([("cards", "0002_role_groups")]).apps
    OldHolder = old_apps.get_model("cards", "Holder")
    old = OldHolder.objects.create(first_name="Ewa", last_name="Stara", pesel="03220100006")
    OldHolder.objects.create(first_name="Jan", last_name="Bez", pesel="")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    holder = Holder.objects.get(pk=old.pk)
    assert holder.pesel == "03220100006"
    assert "03220100006" not in stored_column(holder)[0]
    assert holder_by_pesel("03220100006") == holder
    assert Holder.objects.get(last_name="Bez").pesel == ""
