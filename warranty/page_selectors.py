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

from cards import compiled_queries
from cards.models import Card, CardState, Unit
from cards.paging import SEARCH_CAP, CappedPaginator
from cards.roles import Role, sees_all_cards
from cards.search import WordPattern, matching_patterns, search_patterns

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
from .queue_rows import QUEUE_ORDER, queue_rows
from .reminders import REMINDER_CONDITIONS, reminder_days
from .selectors import (
    QUEUES,
    TimelineEntry,
    case_filter,
    case_list_for_user,
    holder_timeline,
    open_cases_query,
    queue_size,
    queues_for_user,
    sum_open_cases,
)
from .services import ATTEMPT_STATES
from .transitions import ATTEMPT_ROLES, OPEN_CARD_ACTION, OPENED_FROM_A_READ, PAYMENT_ROLES

QUEUE_PAGE_SIZE = 25
# Open cases untouched this long are overdue, unless a reminder period says otherwise.
DEFAULT_OVERDUE_DAYS = 14


@dataclass(frozen=True)
class OverdueParts:
    """The overdue condition in two parts: states where it is the wait alone, and states
    whose condition tests more (e.g. a fee still unpaid)."""

    by_wait: Q
    tested_further: Q
    tested_states: frozenset[str]
    longest_wait: dt.timedelta

    @property
    def condition(self) -> Q:
        return self.by_wait | self.tested_further if self.tested_states else self.by_wait


def overdue_parts(now: dt.datetime | None = None) -> OverdueParts:
    now = now or timezone.now()
    by_wait, tested_further = Q(), Q()
    reminded: set[str] = set()
    tested: set[str] = set()
    waits = [dt.timedelta(days=DEFAULT_OVERDUE_DAYS)]
    for kind, state_condition in REMINDER_CONDITIONS.items():
        wait = dt.timedelta(days=reminder_days(kind))
        waits.append(wait)
        states = {child[1] for child in state_condition.children
                  if isinstance(child, tuple) and child[0] == "state"}
        reminded |= states
        condition = state_condition & Q(state_changed_at__lte=now - wait)
        if len(state_condition.children) > len(states):
            tested |= states
            tested_further |= condition
        else:
            by_wait |= condition
    others = sorted(OPEN_STATES - reminded)
    cutoff = now - dt.timedelta(days=DEFAULT_OVERDUE_DAYS)
    by_wait |= Q(state__in=others, state_changed_at__lte=cutoff)
    return OverdueParts(by_wait, tested_further, frozenset(tested), max(waits))


def overdue_condition(now: dt.datetime | None = None) -> Q:
    """Open cases waiting in their state longer than the reminder period for that state
    (the holder has already been reminded) or, for other states, `DEFAULT_OVERDUE_DAYS`."""
    return overdue_parts(now).condition


def _open_and_overdue(user: Any, now: dt.datetime | None) -> dict[str, tuple[int, int]]:
    """Counted among the few open cases that may be on time (`open_cases_query`): those
    that moved within the longest wait, and those in a state tested further (each an
    index range, never the open years)."""
    if not getattr(user, "is_authenticated", False):
        return {}

    def query(at: dt.datetime) -> QuerySet:
        parts = overdue_parts(at)
        recent = Q(state_changed_at__gt=at - parts.longest_wait)
        may_be_on_time = [(recent & ~Q(state__in=sorted(parts.tested_states)), parts.by_wait)]
        if parts.tested_states:
            may_be_on_time.append((Q(state__in=sorted(parts.tested_states)),
                                   parts.tested_further))
        return open_cases_query(user, may_be_on_time=may_be_on_time)

    rows = compiled_queries.fetch(("open_and_overdue", *_shape(user)), query,
                                  now or timezone.now())
    return sum_open_cases(rows, counts_late=True)


def _shape(user: Any) -> tuple:
    """What shapes a query of the user's cases besides the time (a key of `cards.compiled_queries`):
    whose cases (`policy.visible_cases_key`) and the reminder periods (settings)."""
    return (*policy.visible_cases_key(user), tuple(reminder_days(k) for k in REMINDER_CONDITIONS))


def _sizes(user: Any, by_state: dict[str, tuple[int, int]]) -> dict[str, int]:
    counts = {"all_open": sum(n for n, _late in by_state.values()),
              "overdue": sum(late for _n, late in by_state.values())}
    counts.update((q.name, queue_size(q, by_state)) for q in queues_for_user(user))
    return counts


def queue_counts(user: Any, now: dt.datetime | None = None) -> dict[str, int]:
    """In one query: the size of each of the user's queues (by name), of all their open
    cases ("all_open") and of the overdue ones ("overdue")."""
    return _sizes(user, _open_and_overdue(user, now))


def _known_total(user: Any, by_state: dict[str, tuple[int, int]], *, queue: str, state: str,
                 overdue: bool) -> int | None:
    """The number of cases a queue filtered by state and overdue shows, from the counts
    already read; None when the filters go further (kind, unit, search, a closed state)."""
    if queue and queue not in {q.name for q in queues_for_user(user)}:
        return None
    states = set(QUEUES[queue].states) if queue else set(OPEN_STATES)
    if state:
        if state not in OPEN_STATES:
            return None
        states &= {state}
    return sum(by_state.get(s, (0, 0))[1 if overdue else 0] for s in states)


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
    by_state = _open_and_overdue(user, now)
    counts = _sizes(user, by_state)
    tabs = [QueueTab("", gettext_lazy("All open"), counts["all_open"], not queue)]
    tabs += [QueueTab(q.name, q.label, counts[q.name], q.name == queue) for q in queues]
    total = None if (query.strip() or kind or unit_id) else _known_total(
        user, by_state, queue=queue, state=state, overdue=overdue)
    if total is not None:
        paginator = Paginator(_PageIds(user, queue, state, overdue, now or timezone.now()),
                              QUEUE_PAGE_SIZE)
        paginator.count = total  # a cached property: no COUNT query
    elif query.strip():  # up to the cap: a common name matches thousands of cases
        ids = _search_ids(user, queue=queue, kind=kind, state=state, unit_id=unit_id,
                          overdue=overdue, query=query, now=now or timezone.now())
        paginator = CappedPaginator(ids, QUEUE_PAGE_SIZE, len(ids))
    else:
        paginator = Paginator(queue_cases(
            user, queue=queue, kind=kind, state=state, unit_id=unit_id, overdue=overdue,
            now=now).values_list("pk", flat=True), QUEUE_PAGE_SIZE)
    page = paginator.get_page(page_number)
    # The page's ids from the index first, then only their rows joined: an OFFSET over
    # the joined rows would join every case before the page as well. Two queries, so the
    # rows are read by their keys whatever the planner makes of a subquery.
    page.object_list = queue_rows(list(page.object_list))
    return QueuePage(tabs=tabs, page=page, overdue_count=counts["overdue"])


@dataclass(frozen=True)
class _PageIds:
    """The ids of a queue filtered by state and overdue, as the paginator slices them: each
    page's from a query compiled once per user, filters and page (`cards.compiled_queries`;
    "overdue" moves with the time)."""

    user: Any
    queue: str
    state: str
    overdue: bool
    now: dt.datetime

    def __getitem__(self, window: slice) -> list[int]:
        def query(at: dt.datetime | None = None) -> QuerySet:
            return queue_cases(self.user, queue=self.queue, state=self.state,
                               overdue=self.overdue, now=at).values_list("pk", flat=True)[window]

        key = ("queue_ids", *_shape(self.user), self.queue, self.state, self.overdue,
               window.start, window.stop)
        times = (self.now,) if self.overdue else ()  # only "overdue" reads the time
        return compiled_queries.fetch(key, query, *times)


def _search_ids(user: Any, *, queue: str, kind: str, state: str, unit_id: int | None,
                overdue: bool, query: str, now: dt.datetime) -> list[int]:
    """The ids of a search's cases in the queue's order, up to one past the cap: its
    count and every page it shows from one query, compiled once per filters and shape of
    the words (how many, which are short); the words' patterns are its values."""
    words = search_patterns(query)

    def build(*values: Any) -> QuerySet:
        patterns = [WordPattern(word.at_word_start, pattern)
                    for word, pattern in zip(words, values, strict=False)]
        cases = queue_cases(user, queue=queue, kind=kind, state=state, unit_id=unit_id,
                            overdue=overdue, now=values[-1] if overdue else None)
        return matching_patterns(cases, patterns).values_list("pk", flat=True)[:SEARCH_CAP + 1]

    unknown = queue and queue not in {q.name for q in queues_for_user(user)}
    key = ("queue_search", *_shape(user), "__none__" if unknown else queue, kind, state, unit_id,
           overdue, tuple(word.at_word_start for word in words))
    times = (now,) if overdue else ()  # only "overdue" reads the time
    return compiled_queries.fetch(key, build, *(word.pattern for word in words), *times)


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
    return cases.order_by(*QUEUE_ORDER)


def unit_choices(user: Any) -> list[tuple[int, str]]:
    """Units to filter by, as (id, name): only for those who see cases of every unit. The
    query is compiled once (`cards.compiled_queries`)."""
    if not sees_all_cards(user):
        return []
    return compiled_queries.fetch("units by name", lambda: Unit.objects.order_by(
        "name").values_list("pk", "name"))


# --- the case page -------------------------------------------------------------------

@dataclass
class CaseWork:
    """What the user may do on the case page besides the steps."""

    payment_actions: list[str]
    can_record_attempt: bool
    assignees: list[tuple[int, str]]  # (id, name)


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


def assignee_choices(case: Case) -> list[tuple[int, str]]:
    """Active staff who may work on the case, as (id, name): the unit's dean's office and
    the university-wide offices (the service checks the choice again). The query is
    compiled once per unit (`cards.compiled_queries`)."""
    User = get_user_model()

    def query() -> QuerySet:
        return (User.objects.filter(is_active=True)
                .filter(Q(groups__name__in=[Role.SSOS, Role.USOS_OFFICE])
                        | Q(groups__name=Role.DEANS_OFFICE, units=case.unit_id))
                .distinct().order_by("last_name", "first_name", "username")
                .values("pk", "first_name", "last_name", "username"))

    rows = compiled_queries.fetch(("assignees", case.unit_id), query)
    return [(row["pk"], User(first_name=row["first_name"], last_name=row["last_name"])
             .get_full_name() or row["username"]) for row in rows]


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

