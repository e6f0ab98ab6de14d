"""The user's roles and units come with the user in one query (`legitymacje.auth`): a
change to them counts from the next request, and a group's name cannot pass for a role."""

from __future__ import annotations

import pytest

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cards.roles import roles_of, unit_ids_of
from legitymacje.auth import UserWithHolderBackend
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def _loaded(user):
    return UserWithHolderBackend().get_user(user.pk)


def test_roles_and_units_come_with_the_user(unit):
    other = UnitFactory()
    user = UserFactory(roles=["dziekanat", "usos"], units=[unit, other])
    with CaptureQueriesContext(connection) as queries:
        loaded = _loaded(user)
        assert roles_of(loaded) == {"dziekanat", "usos"}
        assert unit_ids_of(loaded) == {unit.pk, other.pk}
    assert len(queries) == 1


def test_a_role_taken_away_counts_from_the_next_request(client, unit):
    user = UserFactory(roles=["dziekanat"], units=[unit])
    client.force_login(user)
    assert client.get("/cases/").status_code == 200
    user.groups.clear()
    user.units.clear()
    assert client.get("/cases/").status_code == 403
    assert (roles_of(_loaded(user)), unit_ids_of(_loaded(user))) == (frozenset(), frozenset())


def test_a_group_named_like_a_list_of_roles_is_no_role():
    user = UserFactory()
    user.groups.add(Group.objects.create(name="x,ssos"), Group.objects.create(name="ssos "))
    assert roles_of(_loaded(user)) == frozenset()


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_user_compiled_once_is_the_orms(unit):
    from django.contrib.auth.models import User

    from cards import compiled_queries
    from cards.roles import scope_annotations
    from tests.factories import HolderFactory

    staff = UserFactory(roles=["dziekanat"], units=[unit])
    HolderFactory(user=staff)
    plain = UserFactory()
    for user in (staff, plain, staff):
        expected = (User.objects.select_related("holder")
                    .annotate(**scope_annotations(connection)).get(pk=user.pk))
        loaded = _loaded(user)
        assert _fields(loaded) == _fields(expected)
        assert (loaded.in_role_dziekanat, loaded.staff_unit_ids) == (
            expected.in_role_dziekanat, expected.staff_unit_ids)
        if hasattr(expected, "holder"):
            assert _fields(loaded.holder) == _fields(expected.holder)
            assert loaded.holder.pesel and loaded.holder.user is loaded  # decrypted, linked
        else:
            assert not hasattr(loaded, "holder")
    assert compiled_queries.is_compiled(("user with holder, roles and units",))
    assert _loaded(UserFactory.build(pk=plain.pk + 1000)) is None
