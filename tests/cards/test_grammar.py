"""Every message that names the holder agrees with them: a woman "nie jest rozliczona",
a man "nie jest rozliczony" (PESEL's 10th digit, or the first name without a PESEL)."""

from __future__ import annotations

import datetime as dt

import pytest

from django.urls import reverse
from django.utils import timezone, translation

from cards.grammar import holder_is_female
from cards.models import CardKind, EnrolmentStatus, Level
from cards.pesel import make_pesel
from cards.rules import invalidation_refusal, settlement_problem
from tests.factories import (
    CardFactory,
    EmploymentFactory,
    EnrolmentFactory,
    HolderFactory,
    SemesterFactory,
)

pytestmark = pytest.mark.django_db
BIRTH = dt.date(2002, 5, 17)


@pytest.fixture(autouse=True)
def _polish():
    with translation.override("pl"):
        yield


@pytest.fixture
def natalia(db):
    return HolderFactory(first_name="Natalia", last_name="Malinowska",
                         pesel=make_pesel(BIRTH, 11, female=True))


@pytest.fixture
def piotr(db):
    return HolderFactory(first_name="Piotr", last_name="Malinowski",
                         pesel=make_pesel(BIRTH, 12, female=False))


def test_sex_comes_from_pesel_then_from_the_first_name():
    assert holder_is_female(HolderFactory.build(first_name="Jan",
                                                pesel=make_pesel(BIRTH, 1, female=True)))
    assert not holder_is_female(HolderFactory.build(first_name="Anna",
                                                    pesel=make_pesel(BIRTH, 1, female=False)))
    assert holder_is_female(HolderFactory.build(first_name="Olena", pesel=""))
    assert not holder_is_female(HolderFactory.build(first_name="Kuba", pesel=""))
    assert not holder_is_female(HolderFactory.build(first_name="John", pesel=""))


@pytest.mark.parametrize(("who", "word"), [("natalia", "rozliczona"), ("piotr", "rozliczony")])
@pytest.mark.parametrize("case", ["no_programme", "wrong_cycle", "no_completion", "eln"])
def test_not_settled_agrees_with_the_holder(request, who, word, case):
    holder = request.getfixturevalue(who)
    semester = SemesterFactory()
    today = timezone.localdate()
    kind = CardKind.ELN if case == "eln" else CardKind.ELS
    if case == "wrong_cycle":
        EnrolmentFactory(holder=holder, cycle_code="OLD")
    if case == "no_completion":
        EnrolmentFactory(holder=holder, next_completion_date=today - dt.timedelta(days=1))
    if case == "eln":
        EmploymentFactory(holder=holder, ended_on=today - dt.timedelta(days=30))

    problem = settlement_problem(holder, kind, semester, today)

    assert problem.startswith(f"{holder.full_name} nie jest {word}:")


@pytest.mark.parametrize(("who", "word"), [("natalia", "studentki"), ("piotr", "studenta")])
def test_student_status_elsewhere_agrees_with_the_holder(request, who, word):
    holder = request.getfixturevalue(who)
    EnrolmentFactory(holder=holder, status=EnrolmentStatus.REMOVED)
    EnrolmentFactory(holder=holder, programme_name="Fizyka", status=EnrolmentStatus.ACTIVE)
    card = CardFactory(holder=holder)

    refusal = invalidation_refusal(card, "removed_from_list", timezone.localdate())

    assert f"{holder.full_name} nadal ma status {word} na: Fizyka" in refusal


@pytest.mark.parametrize(("who", "word"), [("natalia", "zatrudniona"), ("piotr", "zatrudniony")])
def test_still_employed_agrees_with_the_holder(request, who, word):
    holder = request.getfixturevalue(who)
    EmploymentFactory(holder=holder)
    card = CardFactory(holder=holder, kind=CardKind.ELN)

    refusal = invalidation_refusal(card, "employment_ended", timezone.localdate())

    assert f"{holder.full_name} jest nadal {word}." in refusal


@pytest.mark.parametrize(("who", "words"), [
    ("natalia", ["aktywna", "zawieszona", "ostatecznie skreślona z listy", "absolwentka"]),
    ("piotr", ["aktywny", "zawieszony", "ostatecznie skreślony z listy", "absolwent"]),
])
def test_programme_statuses_on_the_card_page_agree_with_the_holder(
        client, request, deans_office, unit, who, words):
    holder = request.getfixturevalue(who)
    statuses = [EnrolmentStatus.ACTIVE, EnrolmentStatus.SUSPENDED, EnrolmentStatus.REMOVED,
                EnrolmentStatus.GRADUATED]
    for index, status in enumerate(statuses):
        EnrolmentFactory(holder=holder, unit=unit, status=status, level=Level.FIRST_CYCLE,
                         programme_code=f"P{index}")
    card = CardFactory(holder=holder, serving_unit=unit)
    client.force_login(deans_office)

    page = client.get(reverse("cards:detail", args=[card.pk])).content.decode()

    for word in words:
        assert f"<strong>{word}</strong>" in page


@pytest.mark.parametrize(("who", "label", "told"), [
    ("natalia", "Posiadaczka: Natalia Malinowska",
     "Natalia Malinowska nie została powiadomiona: ustal z nią"),
    ("piotr", "Posiadacz: Piotr Malinowski",
     "Piotr Malinowski nie został powiadomiony: ustal z nim"),
])
def test_the_hand_back_email_agrees_with_the_holder(request, who, label, told):
    from tests.factories import UnitFactory, UserFactory
    from warranty.models import Notification
    from warranty.services import case_act, case_open

    unit = UnitFactory()
    office = UserFactory(roles=["dziekanat"], units=[unit], email="dziekanat@example.edu")
    card = CardFactory(serving_unit=unit, holder=request.getfixturevalue(who))
    case = case_open(card_id=card.pk, kind="extension_failure", actor=office, source="web",
                     extension_error="no_certificate")
    case_act(case_id=case.pk, action="hand_back", actor=UserFactory(roles=["usos"]),
             source="web", note="naprawione")
    body = Notification.objects.get(case=case, template="deans_office_retry").body_text
    assert label in body and told in body
