"""Staff pages for cards: search, card page with its actions, and the holder's page."""

import pytest

from django.urls import reverse

from cards.models import CardEvent, CardState, EnrolmentStatus
from tests.factories import CardFactory, EnrolmentFactory, HolderFactory, UserFactory

# The cards app's own pages; with the cases app, several actions move to its pages
# (tests/warranty/test_pages.py and test_card_page_hands_case_actions_to_the_cases_app).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cards_alone")]


def test_search_finds_by_album_name_number_and_serial(client, deans_office, unit):
    card = CardFactory(serving_unit=unit, holder=HolderFactory(last_name="Wiśniewska",
                                                               album_number="987654"))
    CardFactory(serving_unit=unit)
    client.force_login(deans_office)
    for query in ["987654", "wiśniewska", card.number, card.chip_serial]:
        response = client.get(reverse("cards:list"), {"q": query})
        assert [row.pk for row in response.context["page"].object_list] == [card.pk], query


def test_dean_office_sees_only_own_unit(client, deans_office, unit, other_unit):
    mine = CardFactory(serving_unit=unit)
    theirs = CardFactory(serving_unit=other_unit)
    client.force_login(deans_office)
    listed = [row.pk for row in client.get(reverse("cards:list")).context["page"].object_list]
    assert listed == [mine.pk]
    assert client.get(reverse("cards:detail", args=[theirs.pk])).status_code == 404


def test_holder_and_outsider_cannot_search(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("cards:list")).status_code == 403


def test_anonymous_is_sent_to_login(client, card):
    response = client.get(reverse("cards:detail", args=[card.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_card_page_masks_pesel_and_lists_actions(client, deans_office, card):
    client.force_login(deans_office)
    response = client.get(reverse("cards:detail", args=[card.pk]))
    html = response.content.decode()
    assert card.holder.pesel not in html
    assert card.holder.pesel[-4:] in html
    names = [option["action"].name for option in response.context["actions"]]
    assert "report_faulty" in names and "hand_to_ssos" not in names


def test_list_page_query_count_does_not_grow(client, deans_office, unit,
                                             django_assert_max_num_queries):
    client.force_login(deans_office)
    CardFactory.create_batch(3, serving_unit=unit)
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("cards:list"))
    CardFactory.create_batch(20, serving_unit=unit)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("cards:list"))


def test_card_page_query_count_does_not_grow(client, deans_office, card,
                                             django_assert_max_num_queries):
    client.force_login(deans_office)
    url = reverse("cards:detail", args=[card.pk])
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit)
    with django_assert_max_num_queries(20) as before:
        client.get(url)
    for index in range(5):
        EnrolmentFactory(holder=card.holder, unit=card.serving_unit)
        CardEvent.objects.create(card=card, action="note", to_state=card.state, source="web",
                                 reason=f"n{index}")
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)


def test_action_form_moves_card_and_records_history(client, deans_office, card):
    client.force_login(deans_office)
    response = client.post(
        reverse("cards:act", args=[card.pk, "report_faulty"]),
        {"report_faulty-expected_state": "active", "report_faulty-note": "nie wczytuje się"},
    )
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.state == CardState.REPORTED_FAULTY
    event = card.events.get()
    assert (event.actor, event.source, event.reason) == (deans_office, "web", "nie wczytuje się")


def test_refused_action_shows_reason_and_changes_nothing(client, deans_office, card):
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit)  # active: no ground
    client.force_login(deans_office)
    response = client.post(
        reverse("cards:act", args=[card.pk, "decide_invalidation"]),
        {"decide_invalidation-expected_state": "active",
         "decide_invalidation-ground": "removed_from_list"},
    )
    assert response.status_code == 400
    assert response.context["open_action"] == "decide_invalidation"
    assert "removal" in response.content.decode() or "skreśl" in response.content.decode()
    card.refresh_from_db()
    assert card.state == CardState.ACTIVE and not card.events.exists()


def test_missing_note_is_a_form_error(client, deans_office, card):
    client.force_login(deans_office)
    response = client.post(reverse("cards:act", args=[card.pk, "report_lost"]),
                           {"report_lost-expected_state": "active"})
    assert response.status_code == 400
    card.refresh_from_db()
    assert card.state == CardState.ACTIVE


def test_stale_page_gets_conflict_message(client, deans_office, card):
    client.force_login(deans_office)
    client.post(reverse("cards:act", args=[card.pk, "report_faulty"]),
                {"report_faulty-expected_state": "active", "report_faulty-note": "x"})
    response = client.post(reverse("cards:act", args=[card.pk, "report_lost"]),
                           {"report_lost-expected_state": "active", "report_lost-note": "y"})
    assert response.status_code == 400
    card.refresh_from_db()
    assert card.state == CardState.REPORTED_FAULTY


def test_other_unit_cannot_post_actions(client, other_deans_office, card):
    client.force_login(other_deans_office)
    response = client.post(reverse("cards:act", args=[card.pk, "report_faulty"]),
                           {"report_faulty-expected_state": "active", "report_faulty-note": "x"})
    assert response.status_code == 404
    card.refresh_from_db()
    assert card.state == CardState.ACTIVE


def test_ssos_sees_cards_but_cannot_cut_corners(client, ssos, card, deans_office):
    EnrolmentFactory(holder=card.holder, unit=card.serving_unit, status=EnrolmentStatus.REMOVED)
    client.force_login(deans_office)
    client.post(reverse("cards:act", args=[card.pk, "decide_invalidation"]),
                {"decide_invalidation-expected_state": "active",
                 "decide_invalidation-ground": "removed_from_list"})
    client.force_login(ssos)
    response = client.post(reverse("cards:act", args=[card.pk, "confirm_corner_cut"]),
                           {"confirm_corner_cut-expected_state": "pending_invalidation"})
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.state == CardState.PENDING_INVALIDATION


def test_actions_are_post_only(client, deans_office, card):
    client.force_login(deans_office)
    assert client.get(reverse("cards:act", args=[card.pk, "report_faulty"])).status_code == 405


def test_holder_sees_own_cards_only(client, card):
    user = UserFactory()
    card.holder.user = user
    card.holder.save()
    other = CardFactory()
    client.force_login(user)
    response = client.get(reverse("cards:mine"))
    assert [view.card for view in response.context["cards"]] == [card]
    assert client.get(reverse("cards:detail", args=[other.pk])).status_code == 404
    assert card.number in client.get(reverse("home")).content.decode()


def test_a_card_past_its_chip_date_says_so_on_its_page_and_in_the_list(client, deans_office,
                                                                         unit):
    import datetime as dt

    from django.utils import timezone

    lapsed = CardFactory(serving_unit=unit, valid_until=timezone.localdate() - dt.timedelta(1))
    valid = CardFactory(serving_unit=unit)
    client.force_login(deans_office)

    page = client.get(reverse("cards:detail", args=[lapsed.pk])).content.decode()
    listing = client.get(reverse("cards:list")).content.decode()
    valid_page = client.get(reverse("cards:detail", args=[valid.pk])).content.decode()

    assert "ważność wygasła — przedłuż" in page
    assert listing.count("ważność wygasła — przedłuż") == 1
    assert "ważność wygasła" not in valid_page


def test_the_holder_card_page_shows_what_my_cards_shows_without_staff_names(
        client, deans_office, card):
    from cards.services import card_act

    user = UserFactory()
    card.holder.user = user
    card.holder.save()
    deans_office.first_name, deans_office.last_name = "Urszula", "Urzędnicza"
    deans_office.save()
    card_act(card_id=card.pk, action="report_faulty", actor=deans_office, source="web",
             note="notatka dla biura")
    client.force_login(user)
    page = client.get(reverse("cards:detail", args=[card.pk])).content.decode()
    mine = client.get(reverse("cards:mine")).content.decode()
    for private in ("Urszula", "Urzędnicza", deans_office.username, "notatka",
                    card.chip_serial):
        assert private not in page and private not in mine
    assert card.number in page


def test_card_list_rows_show_the_employee_number_and_no_chip_date(client, deans_office, unit):
    worker = HolderFactory(first_name="Jan", last_name="Kot", album_number="",
                           employee_number="E-77")
    card = CardFactory(serving_unit=unit, holder=worker, valid_until=None)
    client.force_login(deans_office)
    html = client.get(reverse("cards:list")).content.decode()
    row = next(row for row in html.split("<tr>") if card.number in row)
    cells = [" ".join(cell.split()) for cell in row.split("<td>")[1:]]
    assert f'href="{reverse("cards:detail", args=[card.pk])}"' in cells[0]
    assert cells[1:5] == ["Jan Kot</td>", "E-77</td>", f"{unit.name}</td>", "—</td>"]
