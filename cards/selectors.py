"""Which cards a user may see, fetched with their related rows up front."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Max, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from .models import (
    Card,
    CardEvent,
    CardState,
    CardTally,
    Employment,
    Enrolment,
    Holder,
    Hologram,
)
from .pesel import pesel_digest
from .roles import roles_of, sees_all_cards, unit_ids_of
from .search import matching
from .tally import counts_by_state


def units_or_own(user: Any, unit_field: str) -> Q:
    """Rows of the user's dean's office units, and the user's own rows as a holder.

    Written on the row's own columns (its unit and its `holder_id`), never across the
    join to holders: an OR across a join keeps PostgreSQL from using the unit indexes,
    so every count would read the whole university.
    """
    condition = Q(**{f"{unit_field}__in": unit_ids_of(user)})
    own = own_as_holder(user)
    return condition if own is None else condition | own


def scope_key(user: Any) -> tuple:
    """What shapes the rows a user sees (`units_or_own`, `sees_all_cards`, the role
    policies), as part of the key of a query compiled once (`cards.compiled_queries`)."""
    loaded = get_user_model().holder.is_cached(user)
    holder = getattr(user, "holder", None) if loaded else "not loaded"
    return (user.pk, user.is_superuser, roles_of(user), unit_ids_of(user),
            getattr(holder, "pk", holder))


def own_as_holder(user: Any) -> Q | None:
    """The user's own rows as a holder (by the row's `holder_id`); None if they hold none."""
    if get_user_model().holder.is_cached(user):  # loaded with the user (legitymacje.auth)
        holder = getattr(user, "holder", None)
        return Q(holder_id=holder.pk) if holder is not None else None
    # Not loaded (e.g. token auth): a scalar subquery, still an index condition.
    own = Holder.objects.filter(user_id=user.pk).values("pk")[:1]
    return Q(holder_id=Subquery(own))


def holder_by_pesel(pesel: str) -> Holder | None:
    """The holder with exactly this PESEL, through its keyed hash (the only PESEL search)."""
    pesel = (pesel or "").strip()
    if not pesel:
        return None
    return Holder.objects.filter(pesel_hash=pesel_digest(pesel)).first()


def card_list_for_user(user: Any) -> QuerySet[Card]:
    cards = Card.objects.select_related("holder", "serving_unit")
    if not getattr(user, "is_authenticated", False):
        return cards.none()
    if sees_all_cards(user):
        return cards
    return cards.filter(units_or_own(user, "serving_unit_id"))


def card_list_parts(user: Any) -> list[QuerySet[Card]]:
    """The cards a dean's office sees (`card_list_for_user`) in disjoint parts that are
    each one index range: each of its units' cards, and its own cards as a holder in
    other units. A list in order merges their walks instead of sorting every card of the
    units."""
    parts = [Card.objects.filter(serving_unit_id=unit) for unit in sorted(unit_ids_of(user))]
    if own_as_holder(user) is not None:
        parts.append(own_cards_elsewhere(user))
    return parts or [Card.objects.none()]


def own_cards_elsewhere(user: Any) -> QuerySet[Card]:
    """A dean's office member's own cards as a holder in units other than theirs: the part
    of `units_or_own` that its units' counts and walks do not cover."""
    own = own_as_holder(user)
    if own is None:
        return Card.objects.none()
    return Card.objects.filter(own).exclude(serving_unit_id__in=sorted(unit_ids_of(user)))


def served_cards_by_state(user: Any, states: list[str]) -> dict[str, int]:
    """Cards per state in `states` that the user serves: every unit's for university-wide
    roles, a dean's office's own units' (as on `hologram_queue`), read from the tally."""
    if not getattr(user, "is_authenticated", False):
        return {}
    units = None if sees_all_cards(user) else unit_ids_of(user)
    return counts_by_state(CardTally, states=states, unit_ids=units)


def card_list_total(user: Any, state: str = "") -> int:
    """How many cards the list without a search shows (every card the user may see, or
    those in `state`): their units' from the tally (every unit for university-wide roles)
    and, for a dean's office, its own cards as a holder in other units."""
    if not getattr(user, "is_authenticated", False):
        return 0
    states = [state] if state else list(CardState.values)
    total = sum(served_cards_by_state(user, states).values())
    if not sees_all_cards(user) and own_as_holder(user) is not None:
        total += own_cards_elsewhere(user).filter(state__in=states).count()
    return total


def hologram_queue(user: Any, unit_id: int | None = None) -> QuerySet[Card]:
    """Cards awaiting a hologram that the user serves, in the order they were extended
    (the order they come out of the reader at semester start). A university-wide office
    sees every unit's; a dean's office its own units', not its own card as a holder."""
    cards = card_list_for_user(user).filter(state=CardState.AWAITING_HOLOGRAM)
    if not sees_all_cards(user):
        cards = cards.filter(serving_unit_id__in=unit_ids_of(user))
    if unit_id is not None:
        cards = cards.filter(serving_unit_id=unit_id)
    return cards.annotate(
        extended_at=Max("events__at", filter=Q(events__action="extend"))
    ).order_by("extended_at", "number")


# The card list's order for a search: the cards found by their own text, which starts
# with the holder's folded surname, instead of joining each card found to its holder.
SEARCH_ORDER = ("search_text", "pk")


def card_search(cards: QuerySet[Card], query: str) -> QuerySet[Card]:
    """Card number, chip serial, the holder's name, album or employee number: partial,
    without diacritics, every word must match (`cards.search`)."""
    return matching(cards, query)


def card_get_for_user(user: Any, pk: int) -> Card:
    """The card with everything its page needs, or 404 if the user may not see it."""
    cards = card_list_for_user(user).select_related("replaces", "replacement").prefetch_related(
        "holder__enrolments__unit",
        "holder__employments__unit",
        Prefetch("events", queryset=CardEvent.objects.select_related("actor")),
        Prefetch("holograms", queryset=Hologram.objects.select_related("event")),
    )
    try:
        return cards.get(pk=pk)
    except Card.DoesNotExist as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class HolderCardEvent:
    at: dt.datetime
    state: str
    state_label: str


@dataclass(frozen=True)
class HolderCard:
    """What a holder sees of a card, on their pages and in the API alike: the card and the
    states it went through, with no staff names, notes or sources."""

    card: Card
    history: list[HolderCardEvent]


def holder_card_view(card: Card) -> HolderCard:
    """From a card with its events fetched (`card_get_for_user`, or prefetched)."""
    return HolderCard(card=card, history=[
        HolderCardEvent(at=e.at, state=e.to_state, state_label=str(e.to_state_label()))
        for e in card.events.all()])


def holder_list_for_user(user: Any) -> QuerySet[Holder]:
    """Holders the user may look up: everyone for university-wide roles, the holders a
    dean's office serves (through a card, enrolment or employment in its units), and
    oneself."""
    holders = Holder.objects.all()
    if not getattr(user, "is_authenticated", False):
        return holders.none()
    if sees_all_cards(user):
        return holders
    units = unit_ids_of(user)
    served = (
        Q(pk__in=Card.objects.filter(serving_unit_id__in=units).values("holder_id"))
        | Q(pk__in=Enrolment.objects.filter(unit_id__in=units).values("holder_id"))
        | Q(pk__in=Employment.objects.filter(unit_id__in=units).values("holder_id"))
    )
    return holders.filter(served | Q(user_id=user.pk))


def holder_get_for_user(user: Any, pk: int) -> Holder:
    """The holder with the cards the user may see and the programmes, or 404."""
    holders = holder_list_for_user(user).prefetch_related(
        Prefetch("cards", queryset=card_list_for_user(user), to_attr="visible_cards"),
        "enrolments__unit",
        "employments__unit",
    )
    try:
        return holders.get(pk=pk)
    except Holder.DoesNotExist as exc:
        raise Http404 from exc
