"""The readers a form offers (`device_choices`, a query compiled once per scope) follow
enrolments and revocations at once, and stay those of the user's units."""

import pytest

from django.utils import timezone

from reader_bridge.services import device_choices, devices_for_user
from tests.factories import UnitFactory, UserFactory
from tests.reader_bridge.factories import ReaderDeviceFactory

pytestmark = pytest.mark.django_db


def test_the_readers_offered_follow_enrolment_and_revocation(deans_office, unit, device):
    ReaderDeviceFactory(unit=UnitFactory())  # another unit's reader
    assert device_choices(deans_office) == [(device.pk, device.name)]
    enrolled = ReaderDeviceFactory(unit=unit, name="zz-nowy")
    assert device_choices(deans_office) == [(device.pk, device.name), (enrolled.pk, "zz-nowy")]
    device.revoked_at = timezone.now()
    device.save()
    assert device_choices(deans_office) == [(enrolled.pk, "zz-nowy")]
    assert [pk for pk, _name in device_choices(deans_office)] == [
        d.pk for d in devices_for_user(deans_office)]


def test_a_user_of_another_unit_is_offered_none_of_them(unit, device):
    stranger = UserFactory(roles=["dziekanat"], units=[UnitFactory()])
    assert device_choices(stranger) == []
