"""Which cases a user may see, queues with counts, and a case's page data.

Every selector runs a fixed number of queries whatever the number of cases: related
rows come with select_related/prefetch_related and counts are aggregated in the DB.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet, Sum, Value, prefetch_related_objects
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cards import compiled_queries
from cards.models import CardEvent
from cards.roles import Role, is_staff_member, roles_of, sees_all_cards, unit_ids_of
from cards.search import matching

from . import policy, rules
from .models import (
    HIDDEN_FROM_HOLDERS,
    IS_OPEN,
    OPEN_STATES,
    Case,
    CaseEvent,
    CaseKind,
    CaseState,
    CaseTally,
    Comment,
)
from .notifications import HOLDER_STATUS_TEXT
from .services import available_steps
from .transitions import TRANSITIONS

C = CaseState


@dataclass(frozen=True)
class Queue:
    name: str
    label: Promise
    states: frozenset[str]  # every queue is a set of open states
    roles: frozenset[str]  # who sees this queue (superusers see all)

    @property
    def condition(self) -> Q:
        return IS_OPEN if self.states == OPEN_STATES else Q(state__in=sorted(self.states))


QUEUES: dict[str, Queue] = {
    q.name: q for q in [
        Queue("unit_open", gettext_lazy("Open cases of my units"),
              OPEN_STATES, frozenset({Role.DEANS_OFFICE})),
        Queue("unit_payment_due", gettext_lazy("Duplicate fee due"),
              frozenset({C.PAYMENT_DUE}), frozenset({Role.DEANS_OFFICE})),
        Queue("unit_corner_cut", gettext_lazy("Awaiting corner cut"),
              frozenset({C.AWAITING_CORNER_CUT}), frozenset({Role.DEANS_OFFICE})),
        Queue("unit_data_fix", gettext_lazy("Enrolment data to correct"),
              frozenset({C.DATA_FIX_NEEDED}), frozenset({Role.DEANS_OFFICE})),
        Queue("unit_retry", gettext_lazy("Ready for another extension"),
              frozenset({C.READY_TO_RETRY}), frozenset({Role.DEANS_OFFICE})),
        Queue("awaiting_card", gettext_lazy("Waiting for the card"),
              frozenset({C.AWAITING_CARD}), frozenset({Role.SSOS})),
        Queue("to_assess", gettext_lazy("To assess"),
              frozenset({C.IN_ASSESSMENT}), frozenset({Role.SSOS})),
        Queue("to_order", gettext_lazy("Replacements to order"),
              frozenset({C.WARRANTY_APPROVED, C.REPLACEMENT_ORDERED}), frozenset({Role.SSOS})),
        Queue("to_hand_over", gettext_lazy("Replacements to hand over"),
              frozenset({C.READY_FOR_PICKUP}), frozenset({Role.SSOS, Role.DEANS_OFFICE})),
        Queue("forgeries", gettext_lazy("Suspected forgeries"),
              frozenset({C.FORGERY_TO_CHECK}), frozenset({Role.SSOS})),
        Queue("escalations", gettext_lazy("Escalations"),
              frozenset({C.ESCALATED, C.HOLDER_TO_USOS}), frozenset({Role.USOS_OFFICE})),
    ]
}


def visible_cases(user: Any) -> QuerySet[Case]:
    """Cases `user` may see."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    condition = policy.visible_cases_filter(user)
    return Case.objects.all() if condition is None else Case.objects.filter(condition)


def with_list_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`cases` with what a list row shows."""
    return cases.select_related("card", "holder", "unit", "assigned_to")


def case_list_for_user(user: Any) -> QuerySet[Case]:
    """Cases `user` may see, with what a list row shows."""
    return with_list_rows(visible_cases(user))


def open_cases_by_state(user: Any) -> dict[str, tuple[int, int]]:
    """Per state, the user's open cases (none counted late), in one query that does not
    grow with them (`open_cases_query`)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    return sum_open_cases(open_cases_query(user), counts_late=False)


def open_cases_query(user: Any, *, may_be_on_time: Sequence[tuple[Q, Q]] = ()) -> QuerySet:
    """Rows (state, open, on_time) to sum per state. The open ones come from the tally of
    the user's units (`CaseTally`; every unit for university-wide roles), plus their own
    cases as a holder in other units. The late ones are the open ones minus those on
    time, counted among `may_be_on_time`: (cases, late condition) pairs, disjoint sets of
    a few open cases each (e.g. those that moved in the last days) outside which every
    open case is late. Without them, none is counted late."""
    states = sorted(OPEN_STATES)
    tally = CaseTally.objects.filter(state__in=states)
    own_elsewhere = Case.objects.none()
    if not sees_all_cards(user):
        units = sorted(unit_ids_of(user))
        tally = tally.filter(unit_id__in=units)
        elsewhere = policy.own_cases_elsewhere_filter(user)
        if elsewhere is not None:
            own_elsewhere = Case.objects.filter(elsewhere, IS_OPEN)
    parts = [
        tally.values("state").annotate(open=Sum("n"), on_time=Value(0)),
        own_elsewhere.values("state").annotate(open=Count("pk"), on_time=Value(0)),
    ]
    # the test in WHERE, not in a FILTER: PostgreSQL hashes a subquery only there
    parts += [visible_cases(user).filter(IS_OPEN, cases).exclude(late).values("state")
              .annotate(open=Value(0), on_time=Count("pk"))
              for cases, late in may_be_on_time]
    return parts[0].order_by().union(*(part.order_by() for part in parts[1:]), all=True)


def sum_open_cases(rows: Iterable[dict], *, counts_late: bool) -> dict[str, tuple[int, int]]:
    """Per state with open cases: (open, late) summed from `open_cases_query`'s rows."""
    by_state: dict[str, list[int]] = {}
    for row in rows:
        totals = by_state.setdefault(row["state"], [0, 0])
        totals[0] += int(row["open"])  # a SUM comes back as a decimal without the ORM
        totals[1] += int(row["on_time"])
    return {state: (n, n - on_time if counts_late else 0)
            for state, (n, on_time) in by_state.items() if n}


def queue_size(queue: Queue, by_state: dict[str, tuple[int, int]]) -> int:
    return sum(by_state.get(state, (0, 0))[0] for state in queue.states)


def queues_for_user(user: Any) -> list[Queue]:
    if not getattr(user, "is_authenticated", False) or not is_staff_member(user):
        return []
    if user.is_superuser:
        return list(QUEUES.values())
    roles = roles_of(user)
    return [q for q in QUEUES.values() if q.roles & roles]


def case_queue_counts(user: Any) -> list[dict]:
    """The user's queues with their sizes, counted in one query."""
    queues = queues_for_user(user)
    if not queues:
        return []
    by_state = open_cases_by_state(user)
    return [{"queue": q, "count": queue_size(q, by_state)} for q in queues]


def case_filter(cases: QuerySet[Case], *, queue: str = "", kind: str = "", state: str = "",
                unit_id: int | None = None, assigned_to_id: int | None = None,
                unassigned: bool = False, query: str = "") -> QuerySet[Case]:
    """Narrow a case list; unknown queue names give an empty list."""
    if queue:
        spec = QUEUES.get(queue)
        cases = cases.filter(spec.condition) if spec else cases.none()
    if kind:
        cases = cases.filter(kind=kind)
    if state:
        cases = cases.filter(state=state)
    if unit_id:
        cases = cases.filter(unit_id=unit_id)
    if assigned_to_id:
        cases = cases.filter(assigned_to_id=assigned_to_id)
    if unassigned:
        cases = cases.filter(assigned_to__isnull=True)
    return case_search(cases, query)


def case_search(cases: QuerySet[Case], query: str) -> QuerySet[Case]:
    """Case or card number, the holder's name, album or employee number: partial, without
    diacritics, every word must match (`cards.search`), read from the case's own stored
    text (`Case.search_text`): one trigram index scan of the listed cases."""
    return matching(cases, query)


def case_queue(user: Any, queue: str, **filters: Any) -> QuerySet[Case]:
    """A queue's cases, oldest waiting first."""
    return case_filter(case_list_for_user(user), queue=queue, **filters).order_by(
        "state_changed_at", "pk")


def holder_cases_for_user(user: Any) -> QuerySet[Case]:
    """The logged-in holder's own cases, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return (Case.objects.filter(holder__user_id=user.pk).exclude(HIDDEN_FROM_HOLDERS)
            .select_related("card", "payment").prefetch_related("events")
            .order_by("-created_at"))


# Joined to the case, every relation of its page made PostgreSQL spend 30-50 ms planning
# a query that runs in 0.5 ms (the planning grows steeply with each join, the people's
# most): the case joins only its card, holder, unit and the reverse one-to-ones; its
# people are read in one query, and the replacement card and the follow-up case only
# when the case has them.
CASE_JOINS = ("card", "holder", "unit", "payment", "assessment", "converted_from")
CASE_PEOPLE = ("opened_by", "assigned_to", "card_received_by")
CASE_RARELY_SET = ("new_card", "converted_to")


def case_get_for_user(user: Any, pk: int) -> Case:
    """The case with everything its page needs, or 404 if the user may not see it."""
    case = case_for_user(user, pk)
    load_history(case)
    return case


def case_for_user(user: Any, pk: int) -> Case:
    """The case with its card, holder, unit, payment, assessment, people and related cases,
    without its history (a step posted, a photo served, a read for the case); 404 if the
    user may not see it. The query is compiled once per user's scope
    (`cards.compiled_queries`)."""
    def query(pk: Any) -> QuerySet:  # built only when not yet compiled
        return visible_cases(user).select_related(*CASE_JOINS).filter(pk=pk)

    if not getattr(user, "is_authenticated", False):
        found = query(pk)
    else:
        found = compiled_queries.fetch(("case", *policy.visible_cases_key(user)), query,
                                       Case._meta.pk.get_prep_value(pk))
    if not found:
        raise Http404
    case = found[0]
    _attach_people(case)
    rarely_set = [name for name in CASE_RARELY_SET if getattr(case, f"{name}_id") is not None]
    if rarely_set:
        prefetch_related_objects([case], *rarely_set)
    return case


def load_history(case: Case) -> None:
    """The case's history, comments, photos, e-mails and (extension failures) attempts."""
    related = [
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
        Prefetch("comments", queryset=Comment.objects.select_related("author")),
        "attachments", "notifications",
    ]
    if case.kind == CaseKind.EXTENSION_FAILURE:
        related.append("attempts")  # only these cases record attempts
    prefetch_related_objects([case], *related)


def _attach_people(case: Case) -> None:
    people_fields = [Case._meta.get_field(name) for name in CASE_PEOPLE]
    ids = {getattr(case, person.attname) for person in people_fields} - {None}
    people = get_user_model().objects.in_bulk(ids) if ids else {}
    for person in people_fields:
        person.set_cached_value(case, people.get(getattr(case, person.attname)))


# --- timeline ------------------------------------------------------------------------

@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # "case", "card", "comment", "notification"
    title: str
    text: str = ""
    actor: str = ""


def _case_event_title(event: CaseEvent) -> str:
    if event.action == "open":
        return _("Case opened")
    spec = TRANSITIONS.get(event.action)
    if spec is not None:
        return str(spec.done)
    return {
        "attempt": _("Extension attempt: %(result)s") % {
            "result": _("succeeded") if event.details.get("succeeded") else _("failed")},
        "assign": _("Assigned to %(who)s") % {"who": event.details.get("assignee") or "—"},
        "payment_mark_paid": _("Fee paid"),
        "payment_waive": _("Fee waived"),
        "payment_refund": _("Fee refunded"),
    }.get(event.action, event.action)


def staff_timeline(case: Case) -> list[TimelineEntry]:
    """What staff see of a case with its history loaded (`load_history`): its timeline
    merged with its card's history since the case opened."""
    return case_timeline(case, list(CardEvent.objects.filter(
        card_id=case.card_id, at__gte=case.created_at - dt.timedelta(seconds=1))))


def case_timeline(case: Case, card_events: list[CardEvent]) -> list[TimelineEntry]:
    """Case history, card history, comments and e-mails, in time order (staff view)."""
    entries = [
        TimelineEntry(e.at, "case", _case_event_title(e), e.note, e.actor_name)
        for e in case.events.all()
    ]
    entries += [
        TimelineEntry(e.at, "card", _("Card: %(from)s → %(to)s") % {
            "from": e.from_state_label() or "—", "to": e.to_state_label()}, e.reason,
            e.actor_name)
        for e in card_events
    ]
    entries += [
        TimelineEntry(c.created_at, "comment", _("Comment"), c.body,
                      c.author.get_username() if c.author else "")
        for c in case.comments.all()
    ]
    entries += [
        TimelineEntry(n.created_at, "notification", _("E-mail to %(to)s: %(subject)s") % {
            "to": n.recipient, "subject": n.subject}, n.get_status_display())
        for n in case.notifications.all()
    ]
    return sorted(entries, key=lambda entry: entry.at)


def holder_status_entries(events: Iterable[CaseEvent]) -> list[TimelineEntry]:
    """Each status the case went through, in plain words, in the events' order."""
    return [
        TimelineEntry(e.at, "case", str(C(e.to_state).label), str(HOLDER_STATUS_TEXT[e.to_state]))
        for e in events if e.is_state_change
    ]


def holder_timeline(case: Case) -> list[TimelineEntry]:
    """What the logged-in holder is told: each status their case went through, in plain
    words, and the comments staff wrote for them."""
    entries = holder_status_entries(case.events.all())
    entries += [
        TimelineEntry(c.created_at, "comment", _("Message"), c.body)
        for c in case.comments.all() if c.visible_to_holder
    ]
    return sorted(entries, key=lambda entry: entry.at)


@dataclass
class CaseDetail:
    case: Case
    timeline: list[TimelineEntry]
    steps: list[dict]
    remedy: rules.Remedy | None = None
    settlement_hint: str | None = None
    can_work: bool = False
    extra: dict = field(default_factory=dict)


def case_detail_for_user(user: Any, pk: int, today: dt.date | None = None, *,
                         with_timeline: bool = True) -> CaseDetail:
    """A case's page: the case, its merged timeline, the steps the user may take (with the
    rule's refusal), and for extension failures the remedy for the error. Staff without
    `with_timeline`: neither the timeline nor the history is read (the case page keeps
    them rendered, `warranty.case_history`)."""
    case = case_for_user(user, pk)
    if not is_staff_member(user):
        load_history(case)
        return CaseDetail(case=case, timeline=holder_timeline(case), steps=[])
    detail = CaseDetail(case=case, timeline=[], steps=available_steps(case, user),
                        can_work=policy.staff_refusal(user, case) is None)
    if with_timeline:
        load_history(case)
        detail.timeline = staff_timeline(case)
    if case.extension_error:
        detail.remedy = rules.REMEDIES[case.extension_error]
        if case.extension_error == "not_settled" and case.is_open:
            detail.settlement_hint = rules.settlement_hint(case, today or timezone.localdate())
    return detail
