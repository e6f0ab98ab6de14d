"""The landing page per role: what needs my action now, as counts that link into the
queues. One query for the cases and one for the cards, read from the tallies the
database keeps per unit and state (`cards.tally`), and one or two for a holder's own
overview, whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cards.models import CardState
from cards.roles import Role, is_staff_member, roles_of
from cards.selectors import served_cards_by_state
from reports.access import can_view_reports
from warranty.page_selectors import holder_overview, queue_counts
from warranty.selectors import QUEUES

from .links import page_url, page_url_with

S = CardState


@dataclass(frozen=True)
class Tile:
    label: Promise | str
    count: int
    url: str
    tone: str = "wait"  # "action", "wait", "bad", "ok": how urgent a non-zero count is


@dataclass
class Panel:
    title: Promise | str
    tiles: list[Tile] = field(default_factory=list)
    links: list[tuple[str, Promise | str]] = field(default_factory=list)


@dataclass
class Dashboard:
    panels: list[Panel] = field(default_factory=list)
    holder_cards: list = field(default_factory=list)
    holder_cases: list = field(default_factory=list)
    is_holder: bool = False


def _queue_url(**params: str) -> str:
    return page_url_with("warranty:list", **params)


# The queues each role's panel shows, with the tone of a non-zero count.
ROLE_QUEUES: dict[str, list[tuple[str, str]]] = {
    Role.DEANS_OFFICE: [("unit_payment_due", "action"), ("unit_corner_cut", "bad"),
                        ("unit_data_fix", "action"), ("unit_retry", "action"),
                        ("to_hand_over", "ok")],
    Role.SSOS: [("awaiting_card", "wait"), ("to_assess", "action"), ("to_order", "action"),
                ("to_hand_over", "ok"), ("forgeries", "bad")],
    Role.USOS_OFFICE: [("escalations", "bad")],
}
ROLE_TITLES = {
    Role.DEANS_OFFICE: _("Dean's office: waiting for your action"),
    Role.SSOS: _("SSOS: cards and replacements"),
    Role.USOS_OFFICE: _("USOS office: escalations"),
}
# Card states the dean's office finishes by hand at the desk and no case tracks (a
# pending invalidation has its case, counted in the "awaiting corner cut" queue).
# Each with the page that works through it.
DEANS_CARD_STATES = [(S.AWAITING_HOLOGRAM, _("Cards awaiting a hologram"), "action",
                      "cards:holograms")]


def _role_panel(role: str, counts: dict[str, int]) -> Panel:
    panel = Panel(ROLE_TITLES[role])
    for name, tone in ROLE_QUEUES[role]:
        panel.tiles.append(Tile(QUEUES[name].label, counts[name], _queue_url(queue=name), tone))
    return panel


def _staff_panels(user: Any) -> list[Panel]:
    roles = roles_of(user)
    counts = queue_counts(user)
    overview = Panel(_("All my open cases"), [
        Tile(_("Open cases"), counts["all_open"], page_url("warranty:list")),
        Tile(_("Overdue"), counts["overdue"], _queue_url(overdue="on"), "bad"),
    ])
    panels = [_role_panel(role, counts) for role in ROLE_QUEUES if role in roles]
    card_states = [state for state, _label, _tone, _page in DEANS_CARD_STATES]
    if Role.DEANS_OFFICE in roles or user.is_superuser:
        cards = served_cards_by_state(user, card_states)
        target = panels[0] if panels and Role.DEANS_OFFICE in roles else overview
        target.tiles += [Tile(label, cards.get(state, 0), page_url(page), tone)
                         for state, label, tone, page in DEANS_CARD_STATES]
    if user.is_superuser:
        panels = [_admin_panel(counts)]
    overview.links = _staff_links(user)
    return [*panels, overview]


def _admin_panel(counts: dict[str, int]) -> Panel:
    return Panel(_("Every queue of the university"), [
        Tile(queue.label, counts[name], _queue_url(queue=name))
        for name, queue in QUEUES.items() if name != "unit_open"  # the same as "Open cases"
    ])


def _staff_links(user: Any) -> list[tuple[str, Promise | str]]:
    links: list[tuple[str, Promise | str]] = [(page_url("warranty:list"), _("All cases")),
                                              (page_url("cards:list"), _("Find a card"))]
    if can_view_reports(user):
        links.append((page_url("reports:index"), _("Reports")))
    if user.is_superuser or user.is_staff:
        links.append((page_url("admin:index"), _("Administration")))
    return links


def dashboard_for_user(user: Any) -> Dashboard:
    dashboard = Dashboard()
    if is_staff_member(user):
        dashboard.panels = _staff_panels(user)
    if getattr(user, "holder", None) is not None:
        dashboard.is_holder = True
        dashboard.holder_cards, cases = holder_overview(user)
        dashboard.holder_cases = [case for case, _timeline in cases if case.is_open]
    return dashboard
