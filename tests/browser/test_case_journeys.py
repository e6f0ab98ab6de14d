"""The cases journeys of issue 5, walked in Chromium by the people who do them: what each
person sees on the pages, and what the database holds afterwards."""

from __future__ import annotations

import pytest

from django.core import mail

from cards.models import Card, CardEvent, CardState, InvalidationGround, Level, ReplacementReason
from tests.browser.pages import (
    badge,
    error_alert,
    in_polish,
    step_form,
    step_refusal,
    submit,
    take_step,
)
from tests.factories import EnrolmentFactory
from tests.warranty.helpers import act, open_case
from warranty.models import Assessment, Case, CaseEvent, CaseKind, CaseState, PaymentStatus
from warranty.notifications import HOLDER_STATUS_TEXT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = CaseState


def _open_case_from_card_page(page, card, kind: str) -> None:
    page.goto(f"/cards/{card.pk}/")
    page.locator(f'a[href="/cases/open/{card.pk}/{kind}/"]').click()
    page.wait_for_url(f"**/cases/open/{card.pk}/{kind}/")


def test_deans_office_reports_a_fault_and_ssos_is_emailed(page, login, screenshot, scene):
    login("dziekanat")
    screenshot("fault-report-1-dashboard")
    page.locator('form.dash-search input[name="q"]').fill("123456")
    submit(page, page.locator('form.dash-search button[type="submit"]'))
    page.locator(f'a[href="/cards/{scene.card.pk}/"]').first.click()
    page.wait_for_url(f"**/cards/{scene.card.pk}/")
    screenshot("fault-report-2-card")

    _open_case_from_card_page(page, scene.card, CaseKind.FAULT)
    page.locator('textarea[name="note"]').fill("Nie wczytuje się w USOS, wygląda na całą")
    screenshot("fault-report-3-form")
    submit(page, page.locator('form button[type="submit"].primary'))

    case = Case.objects.get(card=scene.card)
    assert page.url.endswith(f"/cases/{case.pk}/")
    assert case.number in page.locator(".messages").inner_text()
    assert badge(page) == in_polish(S.AWAITING_CARD.label)
    screenshot("fault-report-4-case")
    assert (case.kind, case.state, case.opened_by) == (CaseKind.FAULT, S.AWAITING_CARD,
                                                       scene.clerk)
    scene.card.refresh_from_db()
    assert scene.card.state == CardState.REPORTED_FAULTY
    # sent after the commit, by the live server's thread: once to SSOS, once to the holder
    to_ssos = [m for m in mail.outbox if m.to == ["ssos@example.edu"]]
    assert len(to_ssos) == 1 and case.number in to_ssos[0].subject
    assert [m.to for m in mail.outbox if m not in to_ssos] == [[scene.holder.email]]


def test_ssos_takes_the_card_in_and_approves_a_warranty_exchange(page, login, screenshot,
                                                                 scene):
    case = open_case(scene.card, CaseKind.FAULT, scene.clerk)
    login("ssos")
    waiting = page.locator('a.tile[href$="?queue=awaiting_card"] .value')
    assert waiting.inner_text() == "1"
    screenshot("warranty-1-dashboard")
    page.locator('a.tile[href$="?queue=awaiting_card"]').click()
    page.locator(f'a[href="/cases/{case.pk}/"]').click()
    page.wait_for_url(f"**/cases/{case.pk}/")

    take_step(page, "receive_card")
    assert badge(page) == in_polish(S.IN_ASSESSMENT.label)
    receipt = page.locator(f'a[href="/cases/{case.pk}/receipt.pdf"]')
    response = page.request.get(receipt.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    screenshot("warranty-2-taken-in")

    checklist = page.locator('form[action$="/step/require_duplicate/"]')
    assert checklist.locator('input[type="checkbox"]').count() == 6
    assert not any(box.is_checked() for box in checklist.locator('input[type="checkbox"]').all())
    submit(page, checklist.locator('button[formaction$="/step/approve_warranty/"]'))
    assert badge(page) == in_polish(S.WARRANTY_APPROVED.label)
    screenshot("warranty-3-approved")

    take_step(page, "order_replacement")
    assert badge(page) == in_polish(S.REPLACEMENT_ORDERED.label)
    take_step(page, "mark_ready")
    assert badge(page) == in_polish(S.READY_FOR_PICKUP.label)
    take_step(page, "hand_over", new_number="ELS-000043", new_chip_serial="04A1FFFF0001")
    assert badge(page) == in_polish(S.HANDED_OVER.label)
    new_card = Card.objects.get(number="ELS-000043")
    assert page.locator(f'.facts a[href="/cards/{new_card.pk}/"]').inner_text() == "ELS-000043"
    screenshot("warranty-4-handed-over")

    case.refresh_from_db()
    scene.card.refresh_from_db()
    assert case.state == S.HANDED_OVER and case.card_received_by == scene.ssos
    assert case.assessment.outcome == Assessment.Outcome.WARRANTY
    assert scene.card.state == CardState.REPLACED
    assert (case.new_card, new_card.replaces, new_card.state) == (new_card, scene.card,
                                                                  CardState.ACTIVE)
    assert not hasattr(case, "payment")


def test_holder_checks_the_claim_status_logged_in_and_by_case_number(page, login, screenshot,
                                                                     scene):
    case = act(open_case(scene.card, CaseKind.FAULT, scene.clerk), "receive_card", scene.ssos)
    events = CaseEvent.objects.filter(case=case).count()
    login("student")
    page.goto("/cases/mine/")
    mine = page.locator("article.card").filter(has_text=case.number)
    assert mine.locator(".badge").inner_text() == in_polish(S.IN_ASSESSMENT.label)
    timeline = mine.locator("ol.timeline li")
    assert timeline.count() == 2
    assert in_polish(HOLDER_STATUS_TEXT[S.AWAITING_CARD]) in timeline.nth(0).inner_text()
    assert in_polish(HOLDER_STATUS_TEXT[S.IN_ASSESSMENT]) in timeline.nth(1).inner_text()
    assert scene.holder.pesel not in page.content()
    screenshot("claim-status-1-mine")

    page.context.clear_cookies()
    page.goto("/cases/status/")
    page.locator('input[name="number"]').fill(case.number)
    page.locator('input[name="album_number"]').fill("123456")
    submit(page, page.locator('form button[type="submit"].primary'))
    result = page.locator('section[aria-live="polite"]')
    assert result.locator("h2").inner_text() == case.number
    assert result.locator(".badge").inner_text() == in_polish(S.IN_ASSESSMENT.label)
    assert result.locator("ol.timeline li").count() == 2
    for private in (scene.holder.last_name, scene.holder.pesel, scene.card.number):
        assert private not in page.content()
    screenshot("claim-status-2-lookup")

    page.locator('input[name="number"]').fill(case.number)
    page.locator('input[name="album_number"]').fill("654321")
    submit(page, page.locator('form button[type="submit"].primary'))
    result = page.locator('section[aria-live="polite"]')
    assert result.locator(".alert.warn").is_visible()
    assert result.locator("ol.timeline").count() == 0
    assert in_polish(S.IN_ASSESSMENT.label) not in result.inner_text()
    screenshot("claim-status-3-wrong-album")
    # looking changes nothing
    assert CaseEvent.objects.filter(case=case).count() == events


def test_deans_office_invalidates_a_card_and_confirms_the_corner_cut(page, login, screenshot,
                                                                     scene):
    EnrolmentFactory(holder=scene.holder, unit=scene.unit, level=Level.SECOND_CYCLE,
                     status="graduated", programme_name="Informatyka, studia II stopnia")
    login("dziekanat")
    _open_case_from_card_page(page, scene.card, CaseKind.INVALIDATION)
    page.locator(f'input[name="ground"][value="{InvalidationGround.REMOVED_FROM_LIST}"]').check()
    submit(page, page.locator('form button[type="submit"].danger'))
    reason = error_alert(page)
    assert in_polish(InvalidationGround.REMOVED_FROM_LIST.label) in reason
    screenshot("invalidation-1-refused")
    scene.card.refresh_from_db()
    assert scene.card.state == CardState.ACTIVE
    assert not Case.objects.exists() and not CardEvent.objects.filter(card=scene.card).exists()

    page.locator(f'input[name="ground"][value="{InvalidationGround.COMPLETED_MASTERS}"]').check()
    submit(page, page.locator('form button[type="submit"].danger'))
    case = Case.objects.get(card=scene.card)
    assert page.url.endswith(f"/cases/{case.pk}/")
    assert badge(page) == in_polish(S.AWAITING_CORNER_CUT.label)
    screenshot("invalidation-2-decided")
    scene.card.refresh_from_db()
    assert scene.card.state == CardState.PENDING_INVALIDATION

    take_step(page, "confirm_corner_cut")
    assert badge(page) == in_polish(S.CARD_RETURNED.label)
    screenshot("invalidation-3-corner-cut")
    case.refresh_from_db()
    scene.card.refresh_from_db()
    assert case.state == S.CARD_RETURNED
    assert scene.card.state == CardState.INVALIDATED
    assert scene.card.invalidation_ground == InvalidationGround.COMPLETED_MASTERS


def test_paid_duplicate_from_payment_to_hand_over(page, login, screenshot, scene):
    login("dziekanat")
    _open_case_from_card_page(page, scene.card, CaseKind.DAMAGE)
    page.locator('textarea[name="note"]').fill("Karta pęknięta na pół")
    submit(page, page.locator('form button[type="submit"].primary'))
    case = Case.objects.get(card=scene.card)
    assert badge(page) == in_polish(S.PAYMENT_DUE.label)
    fee = page.locator(".facts dd").filter(has=page.locator(".badge.pay-due"))
    assert fee.locator("strong").inner_text() == "33,00 zł"
    assert case.payment.amount == scene.fee.amount and case.payment.fee == scene.fee
    # printing (and so hand-over) waits for the fee: the step says why instead of a form
    refusal = step_refusal(page, "order_duplicate")
    assert "33,00 zł" in refusal
    assert page.locator('form[action$="/step/hand_over/"]').count() == 0
    screenshot("duplicate-1-fee-due")
    case.refresh_from_db()
    assert case.state == S.PAYMENT_DUE and case.payment.status == PaymentStatus.DUE

    pay = page.locator('form[action$="/payment/pay/"]')
    page.locator("details.action").filter(has=pay).locator("summary").click()
    pay.locator('input[name="payment-pay-reference"]').fill("WPL/2026/0815")
    submit(page, pay.locator('button[type="submit"]'))
    assert page.locator(".badge.pay-paid").is_visible()
    assert "WPL/2026/0815" in page.locator(".facts").inner_text()
    screenshot("duplicate-2-paid")

    take_step(page, "order_duplicate")
    assert badge(page) == in_polish(S.REPLACEMENT_ORDERED.label)
    take_step(page, "mark_ready")
    assert badge(page) == in_polish(S.READY_FOR_PICKUP.label)
    step_form(page, "hand_over")
    screenshot("duplicate-3-ready")
    take_step(page, "hand_over", new_number="ELS-000044", new_chip_serial="04A1FFFF0002")
    assert badge(page) == in_polish(S.HANDED_OVER.label)
    screenshot("duplicate-4-handed-over")

    case.refresh_from_db()
    scene.card.refresh_from_db()
    assert case.state == S.HANDED_OVER
    assert (case.payment.status, case.payment.reference) == (PaymentStatus.PAID, "WPL/2026/0815")
    assert scene.card.state == CardState.REPLACED
    new_card = case.new_card
    assert new_card.replaces == scene.card and new_card.number == "ELS-000044"
    replaced = scene.card.events.get(action="replace")
    assert replaced.details["replacement_reason"] == ReplacementReason.DUPLICATE
