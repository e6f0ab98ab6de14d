"""Reads behind the cases pages: the queue page, the case page's forms, a card's cases
and the holder's overview. Each runs a fixed number of queries whatever the number of
cases; the rules they show come from `warranty.policy`, `warranty.rules` and the
services' `available_steps`, never a second copy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from cards.models import Card, CardState, Unit
from cards.roles import Role, sees_all_cards

from . import policy
from .models import (
    HIDDEN_FROM_HOLDERS,
    IS_OPEN,
    OPEN_STATES,
    Case,
    CaseKind,
    Comment,
    PaymentStatus,
)
from .reminders import REMINDER_CONDITIONS, reminder_days
from .selectors import (
    TimelineEntry,
    case_filter,
    case_list_for_user,
    holder_timeline,
    open_cases_by_state,
    queue_size,
    queues_for_user,
)
from .services import ATTEMPT_STATES
from .transitions import ATTEMPT_ROLES, OPEN_CARD_ACTION, OPENED_FROM_A_READ, PAYMENT_ROLES

QUEUE_PAGE_SIZE = 25
# Open cases untouched this long are overdue, unless a reminder period says otherwise.
DEFAULT_OVERDUE_DAYS = 14


def overdue_condition(now: dt.datetime | None = None) -> Q:
    """Open cases waiting in their state longer than the reminder period for that state
    (the holder has already been reminded) or, for other states, `DEFAULT_OVERDUE_DAYS`."""
    now = now or timezone.now()
    condition = Q()
    reminded_states: set[str] = set()
    for kind, state_condition in REMINDER_CONDITIONS.items():
        cutoff = now - dt.timedelta(days=reminder_days(kind))
        condition |= state_condition & Q(state_changed_at__lte=cutoff)
        reminded_states.update(child[1] for child in state_condition.children
                               if isinstance(child, tuple) and child[0] == "state")
    others = sorted(OPEN_STATES - reminded_states)
    cutoff = now - dt.timedelta(days=DEFAULT_OVERDUE_DAYS)
    return condition | Q(state__in=others, state_changed_at__lte=cutoff)


def queue_counts(user: Any, now: dt.datetime | None = None) -> dict[str, int]:
    """In one query: the size of each of the user's queues (by name), of all their open
    cases ("all_open") and of the overdue ones ("overdue")."""
    by_state = open_cases_by_state(user, late=overdue_condition(now))
    counts = {"all_open": sum(n for n, _late in by_state.values()),
              "overdue": sum(late for _n, late in by_state.values())}
    counts.update((q.name, queue_size(q, by_state)) for q in queues_for_user(user))
    return counts


@dataclass
class QueueTab:
    name: str  # "" for all cases
    label: Any
    count: int
    current: bool


@dataclass
class QueuePage:
    tabs: list[QueueTab]
    page: Page
    overdue_count: int


def queue_page(user: Any, *, queue: str = "", kind: str = "", state: str = "",
               unit_id: int | None = None, overdue: bool = False, query: str = "",
               page_number: Any = 1, now: dt.datetime | None = None) -> QueuePage:
    """The queue tabs with their sizes (one query), and one page of the chosen cases."""
    queues = queues_for_user(user)
    counts = queue_counts(user, now)
    tabs = [QueueTab("", gettext_lazy("All open"), counts["all_open"], not queue)]
    tabs += [QueueTab(q.name, q.label, counts[q.name], q.name == queue) for q in queues]
    cases = queue_cases(user, queue=queue, kind=kind, state=state, unit_id=unit_id,
                        overdue=overdue, query=query, now=now)
    page = Paginator(cases, QUEUE_PAGE_SIZE).get_page(page_number)
    return QueuePage(tabs=tabs, page=page, overdue_count=counts["overdue"])


def queue_cases(user: Any, *, queue: str = "", kind: str = "", state: str = "",
                unit_id: int | None = None, overdue: bool = False, query: str = "",
                now: dt.datetime | None = None) -> QuerySet[Case]:
    """The cases of a queue with its filters, oldest in their state first (page, export)."""
    if queue and queue not in {q.name for q in queues_for_user(user)}:
        queue = "__none__"  # a queue of another role: an empty list, never its cases
    cases = case_filter(case_list_for_user(user), queue=queue, kind=kind, state=state,
                        unit_id=unit_id, query=query)
    if not queue and not state:
        cases = cases.filter(IS_OPEN)
    if overdue:
        cases = cases.filter(overdue_condition(now))
    return cases.order_by("state_changed_at", "pk")


def unit_choices(user: Any) -> list[Unit]:
    """Units to filter by: only for those who see cases of every unit."""
    return list(Unit.objects.order_by("name")) if sees_all_cards(user) else []


# --- the case page -------------------------------------------------------------------

@dataclass
class CaseWork:
    """What the user may do on the case page besides the steps."""

    payment_actions: list[str]
    can_record_attempt: bool
    assignees: list[Any]


def case_work_for_user(user: Any, case: Case) -> CaseWork:
    """Payment forms by the fee's status, attempts, and who the case can be given to."""
    payment = getattr(case, "payment", None)
    payment_actions: list[str] = []
    if payment is not None and policy.staff_refusal(user, case, PAYMENT_ROLES) is None:
        payment_actions = {PaymentStatus.DUE: ["pay", "waive"],
                           PaymentStatus.REFUNDED: ["pay", "waive"],
                           PaymentStatus.PAID: ["refund"]}.get(payment.status, [])
    can_attempt = (case.kind == CaseKind.EXTENSION_FAILURE and case.state in ATTEMPT_STATES
                   and policy.staff_refusal(user, case, ATTEMPT_ROLES) is None)
    can_work = case.is_open and policy.staff_refusal(user, case) is None
    return CaseWork(payment_actions=payment_actions, can_record_attempt=can_attempt,
                    assignees=assignee_choices(case) if can_work else [])


def assignee_choices(case: Case) -> list[Any]:
    """Active staff who may work on the case: the unit's dean's office and the
    university-wide offices (the service checks the choice again)."""
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=[Role.SSOS, Role.USOS_OFFICE])
                | Q(groups__name=Role.DEANS_OFFICE, units=case.unit_id))
        .distinct().order_by("last_name", "first_name", "username"))


# --- a card's cases (card page) ------------------------------------------------------

@dataclass
class CardCases:
    cases: list[Case]
    open_case: Case | None
    can_open: list[tuple[str, Any]]  # (kind, label) the user may open now


def card_cases_for_user(user: Any, card: Card) -> CardCases:
    """The card's cases the user may see and the kinds of case they may open on it:
    their role allows it (`warranty.policy`), the card has no open case, and the card's
    state allows the card move that opening makes."""
    cases = list(case_list_for_user(user).filter(card_id=card.pk).order_by("-created_at"))
    open_case = next((c for c in cases if c.is_open), None)
    kinds: list[tuple[str, Any]] = []
    if open_case is None:
        for kind in CaseKind:
            if kind in OPENED_FROM_A_READ or policy.open_refusal(user, kind, card):
                continue
            card_action = OPEN_CARD_ACTION[kind]
            if card_action and not can_proceed(getattr(card, card_action)):
                continue
            if kind == CaseKind.EXTENSION_FAILURE and card.state in (
                    CardState.INVALIDATED, CardState.REPLACED):
                continue
            kinds.append((kind.value, kind.label))
    return CardCases(cases=cases, open_case=open_case, can_open=kinds)


# --- the holder's overview -----------------------------------------------------------

def holder_overview(user: Any) -> tuple[list[Card], list[tuple[Case, list[TimelineEntry]]]]:
    """The logged-in holder's own cards, and cases with their plain-language timeline
    (only the comments written for the holder are fetched)."""
    if not getattr(user, "is_authenticated", False):
        return [], []
    cards = list(Card.objects.filter(holder__user_id=user.pk).order_by("-issued_on", "pk"))
    cases = list(
        Case.objects.filter(holder__user_id=user.pk).exclude(HIDDEN_FROM_HOLDERS)
        .select_related("card", "payment")
        .prefetch_related("events", Prefetch(
            "comments", queryset=Comment.objects.filter(visible_to_holder=True)))
        .order_by("-created_at"))
    return cards, [(case, holder_timeline(case)) for case in cases]

