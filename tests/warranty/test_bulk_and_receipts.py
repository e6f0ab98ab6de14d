"""Stacks of cases at once, the queue export with names, the holder's instructions and
receipts."""

from __future__ import annotations

import csv
import io

import pytest

from django.urls import reverse
from django.utils import timezone

from tests.factories import CardFactory, EnrolmentFactory, HolderFactory
from tests.warranty.helpers import act, open_case
from warranty.instructions import holder_instructions
from warranty.models import Case, CaseState
from warranty.receipts import handover_receipt_pdf
from warranty.services import payment_mark_paid

pytestmark = pytest.mark.django_db
S = CaseState


def _invalidation(unit, deans_office) -> Case:
    card = CardFactory(serving_unit=unit)
    EnrolmentFactory(holder=card.holder, status="removed")
    return open_case(card, "invalidation", deans_office, note="", ground="removed_from_list")


def _picks(*cases: Case) -> list[str]:
    return [f"{case.pk}:{case.state}" for case in cases]


def test_corner_cuts_confirmed_for_a_stack_each_on_its_own(client, deans_office, unit):
    first, second, moved = (_invalidation(unit, deans_office) for _ in range(3))
    stale = f"{moved.pk}:{moved.state}"
    act(moved, "withdraw_invalidation", deans_office, note="pomyłka")
    client.force_login(deans_office)

    response = client.post(reverse("warranty:bulk"), {
        "action": "confirm_corner_cut", "pick": [*_picks(first, second), stale],
        "next": "/cases/?queue=corner"}, follow=True)

    assert response.redirect_chain[-1][0] == "/cases/?queue=corner"
    states = dict(Case.objects.values_list("pk", "state"))
    assert (states[first.pk], states[second.pk]) == (S.CARD_RETURNED, S.CARD_RETURNED)
    assert states[moved.pk] == S.CANCELLED
    page = response.content.decode()
    assert first.number in page and second.number in page
    # the one that moved meanwhile says why
    assert f"{moved.number}: Ktoś inny w międzyczasie zmienił" in page


def test_bulk_refuses_steps_that_need_input_and_other_units_cases(
        client, deans_office, other_deans_office, unit):
    case = _invalidation(unit, deans_office)
    client.force_login(other_deans_office)

    client.post(reverse("warranty:bulk"), {"action": "confirm_corner_cut",
                                           "pick": _picks(case)})
    response = client.post(reverse("warranty:bulk"), {"action": "hand_over",
                                                      "pick": _picks(case)}, follow=True)
    garbled = client.post(reverse("warranty:bulk"), {"action": "mark_ready",
                                                     "pick": ["1;DROP"]}, follow=True)

    case.refresh_from_db()
    assert case.state == S.AWAITING_CORNER_CUT
    assert "kilku zgłoszeniach naraz" in response.content.decode()
    assert garbled.status_code == 200 and "nie została zrozumiana" in garbled.content.decode()


def test_queue_export_has_names_and_follows_the_filters(client, deans_office, unit):
    case = _invalidation(unit, deans_office)
    lost = open_case(CardFactory(serving_unit=unit, holder=HolderFactory(
        first_name="Natalia", last_name="Malinowska")), "lost", deans_office)
    client.force_login(deans_office)

    response = client.get(reverse("reports:queue-export"), {"kind": "lost"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content)
                                       .decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [lost.number]
    assert rows[1][3] == "Natalia Malinowska" and case.number not in str(rows)
    assert lost.holder.pesel not in str(rows)


def test_the_holder_is_told_how_to_pay_and_where_ssos_is(deans_office, unit, settings):
    settings.PAYMENT_ACCOUNT = "PL00 1111 2222"
    settings.SSOS_ADDRESS, settings.SSOS_OPENING_HOURS = "ul. Testowa 1", "pon. 9–12"
    holder = HolderFactory(album_number="200777")
    lost = open_case(CardFactory(serving_unit=unit, holder=holder), "lost", deans_office)
    fault = open_case(CardFactory(serving_unit=unit), "fault", deans_office)

    pay = holder_instructions(lost)["pay"]

    assert pay["account"] == "PL00 1111 2222" and "33" in pay["amount"]
    assert lost.number in pay["title"] and lost.card.number in pay["title"]
    shown = holder_instructions(fault)
    assert shown["ssos"] == {"address": "ul. Testowa 1", "hours": "pon. 9–12"}
    assert shown["ssos_for"] == "bring" and shown["pay"] is None


def test_handover_receipt(client, card, deans_office, holder_user):
    case = open_case(card, "lost", deans_office)
    payment_mark_paid(case_id=case.pk, actor=deans_office, source="web", reference="R",
                      paid_on=timezone.localdate())
    case = act(act(case, "order_duplicate", deans_office), "mark_ready", deans_office)
    assert client.get(reverse("warranty:handover-receipt", args=[case.pk])).status_code == 302
    client.force_login(holder_user)
    assert client.get(reverse("warranty:handover-receipt", args=[case.pk])).status_code == 409
    case = act(case, "hand_over", deans_office, new_number="ELS-NEW-7",
               new_chip_serial="04A1B2C3D4E5F7")

    response = client.get(reverse("warranty:handover-receipt", args=[case.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert handover_receipt_pdf(case).startswith(b"%PDF")
