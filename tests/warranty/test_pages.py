"""Cases pages: queues, the case page and its forms, opening a case from a card, and the
holder's own pages. Every change goes through the services; refusals show on the page
and change nothing."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cards.models import CardState
from tests.factories import CardFactory, EnrolmentFactory, HolderFactory, UserFactory
from tests.warranty.helpers import CLEAN, DIRTY, act, open_case
from warranty.models import Assessment, Attachment, Case, CaseEvent, CaseState, Comment
from warranty.services import case_comment_add

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _detail(case: Case) -> str:
    return reverse("warranty:detail", args=[case.pk])


def _step(case: Case, action: str) -> str:
    return reverse("warranty:step", args=[case.pk, action])


def _checklist_post(case: Case, checklist: dict, **extra: str) -> dict:
    data = {"assessment-expected_state": case.state, **extra}
    data.update({f"assessment-{name}": "on" for name, ticked in checklist.items() if ticked})
    return data


def _pay(client: Client, case: Case, reference: str, paid_on: str):
    return client.post(reverse("warranty:payment", args=[case.pk, "pay"]),
                       {"payment-pay-reference": reference, "payment-pay-paid_on": paid_on})


def _listed(page) -> list[str]:
    return [row.number for row in page.object_list]


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("card.png", buffer.getvalue(), content_type="image/png")


# --- who sees what -------------------------------------------------------------------

def test_queue_lists_only_the_units_cases(client, deans_office, card, other_unit):
    mine = open_case(card, "fault", deans_office)
    theirs = open_case(CardFactory(serving_unit=other_unit), "damage",
                       UserFactory(roles=["dziekanat"], units=[other_unit]))
    client.force_login(deans_office)
    response = client.get(reverse("warranty:list"))
    assert _listed(response.context["page"]) == [mine.number]
    assert client.get(_detail(theirs)).status_code == 404
    assert client.post(_step(theirs, "order_duplicate"),
                       {"order_duplicate-expected_state": theirs.state}).status_code == 404


def test_holders_and_outsiders_get_no_queue(client, holder_user, outsider):
    for user in (holder_user, outsider):
        client.force_login(user)
        assert client.get(reverse("warranty:list")).status_code == 403


def test_anonymous_is_sent_to_login(client, deans_office, card):
    case = open_case(card, "fault", deans_office)
    response = client.get(_detail(case))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_queue_tabs_count_and_filter(client, ssos, deans_office, unit):
    waiting = open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    assessed = act(open_case(CardFactory(serving_unit=unit), "fault", deans_office),
                   "receive_card", ssos)
    open_case(CardFactory(serving_unit=unit), "damage", deans_office)
    client.force_login(ssos)
    response = client.get(reverse("warranty:list"), {"queue": "to_assess"})
    counts = {tab.name: tab.count for tab in response.context["tabs"]}
    assert counts == {"": 3, "awaiting_card": 1, "to_assess": 1, "to_order": 0,
                      "to_hand_over": 0, "forgeries": 0}
    assert _listed(response.context["page"]) == [assessed.number]
    current = [tab.name for tab in response.context["tabs"] if tab.current]
    assert current == ["to_assess"]
    assert 'aria-current="page"' in response.content.decode()
    by_kind = client.get(reverse("warranty:list"), {"kind": "damage"}).context["page"]
    assert [c.kind for c in by_kind.object_list] == ["damage"]
    foreign_queue = client.get(reverse("warranty:list"), {"queue": "unit_corner_cut"})
    assert list(foreign_queue.context["page"].object_list) == []
    assert waiting.pk not in [c.pk for c in foreign_queue.context["page"].object_list]


def test_queue_search_by_number_album_and_full_name(client, deans_office, unit):
    holder = HolderFactory(first_name="Zofia", last_name="Wróblewska", album_number="555444")
    case = open_case(CardFactory(serving_unit=unit, holder=holder), "lost", deans_office)
    open_case(CardFactory(serving_unit=unit), "lost", deans_office)
    client.force_login(deans_office)
    for query in (case.number, "555444", "zofia wróblewska", "Wróblewska"):
        page = client.get(reverse("warranty:list"), {"q": query}).context["page"]
        assert _listed(page) == [case.number], query


def test_queue_rows_show_holder_number_and_assignee(client, deans_office, unit):
    student = HolderFactory(first_name="Ewa", last_name="Nowak", album_number="123456")
    worker = HolderFactory(first_name="Jan", last_name="Kot", album_number="",
                           employee_number="E-77")
    named = UserFactory(username="anowak", first_name="Anna", last_name="Lis")
    unnamed = UserFactory(username="kbzik", first_name="", last_name="")
    cases = [open_case(CardFactory(serving_unit=unit, holder=holder), "fault", deans_office)
             for holder in (student, worker, worker)]
    Case.objects.filter(pk=cases[0].pk).update(assigned_to=named)
    Case.objects.filter(pk=cases[1].pk).update(assigned_to=unnamed)
    client.force_login(deans_office)
    page = client.get(reverse("warranty:list")).content.decode()
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split())
            for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)]
    cells = {case.number: next(row for row in rows if case.number in row) for case in cases}
    assert "Ewa Nowak 123456" in cells[cases[0].number]
    assert "Anna Lis" in cells[cases[0].number]
    assert "Jan Kot E-77" in cells[cases[1].number]
    assert "kbzik" in cells[cases[1].number]
    assert "—" in cells[cases[2].number]


def test_overdue_filter_uses_the_reminder_period(client, deans_office, unit, settings):
    settings.WARRANTY_REMINDER_DAYS = {"card_not_brought": 0}
    late = open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    open_case(CardFactory(serving_unit=unit), "damage", deans_office)  # unpaid: 14 days
    client.force_login(deans_office)
    response = client.get(reverse("warranty:list"), {"overdue": "on"})
    assert _listed(response.context["page"]) == [late.number]
    assert response.context["overdue_count"] == 1


def test_queue_query_count_does_not_grow(client, ssos, deans_office, unit,
                                         django_assert_max_num_queries):
    open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    client.force_login(ssos)
    with django_assert_max_num_queries(11) as few:
        client.get(reverse("warranty:list"), {"q": "Kowalski"})
    for _ in range(15):
        act(open_case(CardFactory(serving_unit=unit), "fault", deans_office),
            "receive_card", ssos)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("warranty:list"), {"q": "Kowalski"})
    assert response.context["page"].paginator.count == 16


# --- the case page and its forms -----------------------------------------------------

def test_case_page_masks_pesel_and_offers_the_roles_steps(client, ssos, deans_office, card):
    case = open_case(card, "fault", deans_office)
    client.force_login(ssos)
    html = client.get(_detail(case)).content.decode()
    assert card.holder.pesel not in html and card.holder.pesel[-4:] in html
    assert _step(case, "receive_card") in html
    client.force_login(deans_office)
    response = client.get(_detail(case))
    names = [s["transition"].name for s in response.context["detail"].steps]
    assert "receive_card" not in names and "return_working" in names


def test_take_card_in_through_the_form(client, ssos, deans_office, card):
    case = open_case(card, "fault", deans_office)
    client.force_login(ssos)
    response = client.post(_step(case, "receive_card"),
                           {"receive_card-expected_state": case.state})
    assert response.status_code == 302 and response["Location"] == _detail(case)
    case.refresh_from_db()
    assert case.state == CaseState.IN_ASSESSMENT and case.card_received_by == ssos
    page = client.get(_detail(case)).content.decode()
    assert reverse("warranty:receipt", args=[case.pk]) in page


def test_warranty_on_a_damaged_card_is_refused_inline(client, ssos, deans_office, card):
    case = act(open_case(card, "fault", deans_office), "receive_card", ssos)
    client.force_login(ssos)
    response = client.post(_step(case, "approve_warranty"), _checklist_post(case, DIRTY))
    assert response.status_code == 400
    assert "only for a clean, undamaged card" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.IN_ASSESSMENT
    assert not Assessment.objects.filter(case=case).exists()


def test_assessment_checklist_approves_warranty(client, ssos, deans_office, card):
    case = act(open_case(card, "fault", deans_office), "receive_card", ssos)
    client.force_login(ssos)
    response = client.post(_step(case, "approve_warranty"), _checklist_post(case, CLEAN))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.WARRANTY_APPROVED
    assert case.assessment.outcome == Assessment.Outcome.WARRANTY


def test_stale_page_is_refused_as_a_conflict(client, ssos, deans_office, card):
    case = act(open_case(card, "fault", deans_office), "receive_card", ssos)
    client.force_login(ssos)
    response = client.post(_step(case, "approve_warranty"),
                           _checklist_post(case, CLEAN, **{
                               "assessment-expected_state": CaseState.AWAITING_CARD}))
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.state == CaseState.IN_ASSESSMENT


def test_hand_over_before_payment_is_refused(client, deans_office, card):
    case = open_case(card, "damage", deans_office)
    client.force_login(deans_office)
    page = client.get(_detail(case))
    refusals = {s["transition"].name: s["refusal"] for s in page.context["detail"].steps}
    assert "must be paid or waived first" in refusals["order_duplicate"]
    events = CaseEvent.objects.filter(case=case).count()
    response = client.post(_step(case, "order_duplicate"),
                           {"order_duplicate-expected_state": case.state})
    assert response.status_code == 400
    assert "must be paid or waived first" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.PAYMENT_DUE
    assert CaseEvent.objects.filter(case=case).count() == events


def test_paid_duplicate_from_payment_to_hand_over(client, deans_office, card):
    case = open_case(card, "damage", deans_office)
    client.force_login(deans_office)
    assert _pay(client, case, "", "2020-01-01").status_code == 400
    assert _pay(client, case, "PX-1", "2020-01-01").status_code == 302
    for action in ("order_duplicate", "mark_ready"):
        state = Case.objects.get(pk=case.pk).state
        assert client.post(_step(case, action), {f"{action}-expected_state": state}
                           ).status_code == 302
    state = Case.objects.get(pk=case.pk).state
    response = client.post(_step(case, "hand_over"), {
        "hand_over-expected_state": state, "hand_over-new_number": "ELS-NEW-1",
        "hand_over-new_chip_serial": "04AABBCCDD"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.HANDED_OVER and case.payment.reference == "PX-1"
    assert case.new_card.number == "ELS-NEW-1"
    assert case.card.state == CardState.REPLACED
    html = client.get(_detail(case)).content.decode()
    assert "ELS-NEW-1" in _shown(html, "New card") and "PX-1" in _shown(html, "Duplicate fee")


def test_future_payment_date_is_refused(client, deans_office, card):
    case = open_case(card, "damage", deans_office)
    client.force_login(deans_office)
    response = _pay(client, case, "X", "2999-01-01")
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    case.refresh_from_db()
    assert case.payment.status == "due"


def test_ssos_cannot_take_a_dean_office_step(client, ssos, deans_office, card):
    EnrolmentFactory(holder=card.holder, status="removed")
    case = open_case(card, "invalidation", deans_office, ground="removed_from_list")
    client.force_login(ssos)
    response = client.post(_step(case, "confirm_corner_cut"),
                           {"confirm_corner_cut-expected_state": case.state})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_CORNER_CUT


def test_steps_are_post_only_and_csrf_protected(deans_office, ssos, card):
    case = open_case(card, "fault", deans_office)
    client = Client(enforce_csrf_checks=True)
    client.force_login(ssos)
    assert client.get(_step(case, "receive_card")).status_code == 405
    response = client.post(_step(case, "receive_card"),
                           {"receive_card-expected_state": case.state})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_CARD


def test_unknown_and_internal_steps_are_404(client, ssos, deans_office, card):
    case = open_case(card, "fault", deans_office)
    client.force_login(ssos)
    assert client.post(_step(case, "cancel"), {}).status_code == 404
    assert client.post(_step(case, "teleport"), {}).status_code == 404


def test_extension_failure_shows_remedy_and_records_attempts(client, deans_office, card):
    case = open_case(card, "extension_failure", deans_office,
                     extension_error="card_read_failed")
    client.force_login(deans_office)
    html = client.get(_detail(case)).content.decode()
    assert "Wipe a dirty chip" in html and "Nie udało się wczytać legitymacji" in html
    response = client.post(reverse("warranty:attempt", args=[case.pk]),
                           {"succeeded": "no", "note": "wytarty chip"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.HOLDER_TO_USOS  # the second failed read


def test_comment_and_photo_upload_and_download(client, ssos, deans_office, card, holder_user):
    case = open_case(card, "fault", deans_office)
    client.force_login(ssos)
    assert client.post(reverse("warranty:comment", args=[case.pk]),
                       {"body": "Pęknięcie przy chipie"}).status_code == 302
    assert client.post(reverse("warranty:comment", args=[case.pk]), {"body": ""}
                       ).status_code == 400
    assert client.post(reverse("warranty:attachment-add", args=[case.pk]),
                       {"file": _png(), "description": "awers"}).status_code == 302
    fake = SimpleUploadedFile("x.png", b"not a photo", content_type="image/png")
    refused = client.post(reverse("warranty:attachment-add", args=[case.pk]), {"file": fake})
    assert refused.status_code == 400 and "not a readable photo" in refused.content.decode()
    photo = Attachment.objects.get(case=case)
    url = reverse("warranty:attachment", args=[case.pk, photo.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "attachment" in client.get(url + "?download=1")["Content-Disposition"]
    assert Comment.objects.filter(case=case).count() == 1
    client.force_login(holder_user)
    assert client.get(url).status_code == 403


def test_take_it_assigns_to_me(client, ssos, deans_office, card):
    case = open_case(card, "fault", deans_office)
    client.force_login(ssos)
    assert client.post(reverse("warranty:assign", args=[case.pk]), {"take": "me"}
                       ).status_code == 302
    case.refresh_from_db()
    assert case.assigned_to == ssos
    outsider = UserFactory()
    client.post(reverse("warranty:assign", args=[case.pk]), {"assignee": outsider.pk})
    case.refresh_from_db()
    assert case.assigned_to == ssos


def test_case_page_query_count_does_not_grow(client, ssos, deans_office, unit,
                                             django_assert_max_num_queries):
    case = act(open_case(CardFactory(serving_unit=unit), "fault", deans_office),
               "receive_card", ssos)
    client.force_login(ssos)
    with django_assert_max_num_queries(12) as few:
        client.get(_detail(case))
    for n in range(10):
        case_comment_add(case_id=case.pk, actor=ssos, body=f"uwaga {n}")
        open_case(CardFactory(serving_unit=unit), "damage", deans_office)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(_detail(case))



def _shown(html: str, label: str) -> str:
    """The text of the case summary's entry `label` (tags and spacing dropped)."""
    found = re.search(rf"<dt>{label}</dt>\s*<dd>(.*?)</dd>", html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found[1]).split()) if found else ""


def test_case_page_shows_its_people_and_the_case_it_follows(client, ssos, deans_office, card):
    # the people and the related cases are read apart from the case (docs/performance.md)
    deans_office.first_name, deans_office.last_name = "Ewa", "Nowak"
    deans_office.save()
    first = open_case(card, "extension_failure", deans_office, extension_error="card_read_failed")
    fault = act(first, "convert_to_fault", deans_office, note="karta nie odpowiada").converted_to
    act(fault, "receive_card", ssos)
    client.force_login(ssos)
    client.post(reverse("warranty:assign", args=[fault.pk]), {"take": "me"})
    html = client.get(_detail(fault)).content.decode()
    assessor = ssos.get_full_name()
    assert "Ewa Nowak" in _shown(html, "Opened") and assessor in _shown(html, "Card taken in")
    assert _shown(html, "Assigned to") == assessor
    assert _shown(html, "Follows") == first.number and not _shown(html, "Turned into")
    html = client.get(_detail(first)).content.decode()
    assert _shown(html, "Turned into") == fault.number and not _shown(html, "Follows")
    assert _shown(html, "Assigned to") == "nobody"

# --- opening a case from the card page -----------------------------------------------

def test_card_page_shows_cases_and_open_links(client, deans_office, card):
    client.force_login(deans_office)
    html = client.get(reverse("cards:detail", args=[card.pk])).content.decode()
    assert reverse("warranty:open", args=[card.pk, "fault"]) in html
    case = open_case(card, "lost", deans_office)
    html = client.get(reverse("cards:detail", args=[card.pk])).content.decode()
    assert case.number in html
    assert reverse("warranty:open", args=[card.pk, "fault"]) not in html


def test_dean_office_reports_a_fault_from_the_card(client, deans_office, card):
    client.force_login(deans_office)
    url = reverse("warranty:open", args=[card.pk, "fault"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"note": "Nie wczytuje się"})
    case = Case.objects.get(card=card)
    assert response.status_code == 302 and response["Location"] == _detail(case)
    assert case.kind == "fault" and case.state == CaseState.AWAITING_CARD
    card.refresh_from_db()
    assert card.state == CardState.REPORTED_FAULTY


def test_extension_failure_needs_one_of_the_four_errors(client, deans_office, card):
    client.force_login(deans_office)
    url = reverse("warranty:open", args=[card.pk, "extension_failure"])
    page = client.get(url).content.decode()
    assert "Nie znaleziono certyfikatu do podpisu" in page and "Błąd przy przedłużaniu" in page
    assert client.post(url, {"extension_error": "made_up"}).status_code == 400
    assert not Case.objects.exists()
    assert client.post(url, {"extension_error": "no_certificate"}).status_code == 302
    assert Case.objects.get().state == CaseState.ESCALATED


def test_second_open_case_is_refused_inline(client, deans_office, card):
    open_case(card, "extension_failure", deans_office, extension_error="extension_error")
    client.force_login(deans_office)
    response = client.post(reverse("warranty:open", args=[card.pk, "invalidation"]),
                           {"ground": "removed_from_list"})
    assert response.status_code == 400
    assert "already has an open case" in response.content.decode()
    assert Case.objects.count() == 1


def test_opening_is_limited_by_role_and_unit(client, ssos, other_deans_office, card):
    client.force_login(other_deans_office)
    assert client.get(reverse("warranty:open", args=[card.pk, "fault"])).status_code == 404
    client.force_login(ssos)
    assert client.get(reverse("warranty:open", args=[card.pk, "lost"])).status_code == 403
    assert client.post(reverse("warranty:open", args=[card.pk, "lost"]),
                       {"note": "x"}).status_code == 403
    assert client.get(reverse("warranty:open", args=[card.pk, "nonsense"])).status_code == 404
    assert not Case.objects.exists()


# --- the holder ----------------------------------------------------------------------

def test_holder_sees_plain_timeline_without_staff_notes(client, holder_user, deans_office,
                                                        ssos, card):
    case = open_case(card, "fault", deans_office)
    case_comment_add(case_id=case.pk, actor=ssos, body="NOTATKA WEWNĘTRZNA")
    case_comment_add(case_id=case.pk, actor=ssos, body="Prosimy o kontakt",
                     visible_to_holder=True)
    client.force_login(holder_user)
    for url in (_detail(case), reverse("warranty:mine")):
        html = client.get(url).content.decode()
        assert "Please bring it to SSOS" in html
        assert "Prosimy o kontakt" in html
        assert "NOTATKA WEWNĘTRZNA" not in html
        assert card.holder.pesel not in html
        assert "ssos@example.edu" not in html


def test_holder_cannot_see_or_act_on_someone_elses_case(client, holder_user, holder,
                                                         deans_office, unit):
    other = open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    own = open_case(CardFactory(serving_unit=unit, holder=holder), "fault",
                    deans_office)
    client.force_login(holder_user)
    assert client.get(_detail(other)).status_code == 404
    cases = client.get(reverse("warranty:mine")).context["cases"]
    assert [case.pk for case, _timeline in cases] == [own.pk]
    response = client.post(_step(own, "receive_card"), {"receive_card-expected_state":
                                                        own.state})
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.state == CaseState.AWAITING_CARD


def test_my_cases_needs_a_holder(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("warranty:mine")).status_code == 404


def test_login_page_links_to_status_lookup(client):
    html = client.get(reverse("login")).content.decode()
    assert reverse("warranty:status-lookup") in html


def test_case_page_with_a_reader_stays_within_twelve_queries(client, ssos, deans_office, unit,
                                                             django_assert_max_num_queries):
    from tests.reader_bridge.factories import ReaderDeviceFactory

    ReaderDeviceFactory(unit=unit, name="Czytnik pokój 12")
    case = open_case(CardFactory(serving_unit=unit), "fault", deans_office)
    client.force_login(deans_office)
    client.get(_detail(case))  # the session is cached after the first request
    with django_assert_max_num_queries(12):  # eleven reads and the access log's one INSERT
        response = client.get(_detail(case))
    html = response.content.decode()
    assert "Czytnik pokój 12" in html and f'name="case" value="{case.pk}"' in html


def test_card_page_hands_case_actions_to_the_cases_app(client, deans_office, card):
    client.force_login(deans_office)
    response = client.get(reverse("cards:detail", args=[card.pk]))
    names = [option["action"].name for option in response.context["actions"]]
    assert "report_faulty" not in names and "decide_invalidation" not in names
    assert reverse("warranty:open", args=[card.pk, "fault"]) in response.content.decode()
    refused = client.post(reverse("cards:act", args=[card.pk, "report_faulty"]),
                          {"report_faulty-expected_state": "active", "report_faulty-note": "x"})
    assert refused.status_code == 404
    card.refresh_from_db()
    assert card.state == "active"
