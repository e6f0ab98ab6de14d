from __future__ import annotations

import datetime as dt

import factory

from django.contrib.auth.models import Group, User
from django.utils import timezone

from cards.models import (
    Card,
    CardKind,
    Employment,
    Enrolment,
    EnrolmentStatus,
    Holder,
    Level,
    Semester,
    SigningCertificate,
    Unit,
)
from cards.pesel import make_pesel


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(Group.objects.get_or_create(name=name)[0])
        if create:
            self.save()

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        for unit in extracted or ():
            self.units.add(unit)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"U{n:03d}")
    name = factory.Sequence(lambda n: f"Wydział {n}")


class HolderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holder

    first_name = "Jan"
    last_name = factory.Sequence(lambda n: f"Kowalski{n}")
    pesel = factory.Sequence(lambda n: make_pesel(dt.date(2003, 1, 1) + dt.timedelta(days=n % 3000),
                                                  n, female=False))
    album_number = factory.Sequence(lambda n: f"{100000 + n}")


class SemesterFactory(factory.django.DjangoModelFactory):
    """The semester around `today` by default, so extensions have a target."""

    class Meta:
        model = Semester
        django_get_or_create = ("cycle_code",)

    name = "Semestr bieżący"
    cycle_code = "CURRENT"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=120))
    card_valid_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=150))


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    holder = factory.SubFactory(HolderFactory)
    unit = factory.SubFactory(UnitFactory)
    programme_code = factory.Sequence(lambda n: f"PROG-{n}")
    programme_name = factory.Sequence(lambda n: f"Informatyka {n}")
    level = Level.FIRST_CYCLE
    stage = "2"
    cycle_code = "CURRENT"
    status = EnrolmentStatus.ACTIVE
    next_completion_date = factory.LazyFunction(
        lambda: timezone.localdate() + dt.timedelta(days=100)
    )


class EmploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employment

    holder = factory.SubFactory(HolderFactory)
    unit = factory.SubFactory(UnitFactory)
    position = "adiunkt"
    started_on = dt.date(2015, 10, 1)
    ended_on = None


def _test_eseal_pem() -> str:
    from cryptography.hazmat.primitives import serialization

    from cards.chip_testing import shared_test_eseal

    return shared_test_eseal()[1].public_bytes(serialization.Encoding.PEM).decode()


class SigningCertificateFactory(factory.django.DjangoModelFactory):
    """The test e-seal, signing every kind in the server HSM; validity is the factory's
    own (to test usability), so set the fields, or register through the service."""

    class Meta:
        model = SigningCertificate

    unit = factory.SubFactory(UnitFactory)
    certificate_pem = factory.LazyFunction(_test_eseal_pem)
    subject_name = "O=Uniwersytet Testowy,CN=Uniwersytet Testowy"
    serial_number = factory.Sequence(lambda n: f"{n:08X}")
    valid_from = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=365))
    valid_until = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=365))
    is_eseal = True
    card_kinds = factory.LazyFunction(lambda: ["ELD", "ELN", "ELS"])
    key_location = "server_hsm"
    token_label = "eseal"
    key_label = "eseal-key"


class CardFactory(factory.django.DjangoModelFactory):
    """Pass `state=` to start elsewhere: factories may set the protected field on create."""

    class Meta:
        model = Card

    kind = CardKind.ELS
    holder = factory.SubFactory(HolderFactory)
    serving_unit = factory.SubFactory(UnitFactory)
    number = factory.Sequence(lambda n: f"ELS-{n:06d}")
    chip_serial = factory.Sequence(lambda n: f"04A1{n:010X}")
    issued_on = dt.date(2024, 10, 1)
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=10))


def written_chip_file(card, valid_until: dt.date | None = None, **changes) -> bytes:
    """The EF.ELS an extension of `card` writes: its data, the semester's date, signed by
    the test PKI (what the reader bridge hands to `card_act` after a verified read-back)."""
    from cards.chip_testing import ElsFields, build_test_els_file
    from cards.rules import extension_target

    semester = extension_target(timezone.localdate())
    holder = card.holder
    fields = {"chip_serial": card.chip_serial, "surnames": (holder.last_name,),
              "given_names": (holder.first_name,), "album_number": holder.album_number,
              "pesel": holder.pesel,
              "valid_until": valid_until or (semester.card_valid_until if semester
                                             else timezone.localdate())}
    return build_test_els_file(ElsFields(**{**fields, **changes}), kind=card.kind)
