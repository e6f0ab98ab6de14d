"""Demo cases for `make run`: every state of every kind, on the cards demo's cards.

Called by `load_demo` after the cards demo. Cases are opened and moved through the
services by the demo staff users (`dziekanat`, `ssos`, `usos`), so their history,
payments and e-mails are real and every step is checked by the same rules.
(The cards demo's own direct card moves have already opened some cases through the
card hook.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from django.contrib.auth.models import User
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cards import rules as card_rules
from cards.models import Card, CardKind, CardState, EventSource
from cards.services import card_act

from .models import OPEN_STATES, Case
from .rules import CHECKLIST_FIELDS
from .services import (
    case_act,
    case_comment_add,
    case_open,
    case_record_attempt,
    payment_mark_paid,
    payment_waive,
)

CLEAN = dict.fromkeys(CHECKLIST_FIELDS, False)
CRACKED = {**CLEAN, "cracked": True}
WEB = EventSource.WEB

# (kind, open parameters, steps) — a step is a case step name with its parameters, or
# one of: "pay", "waive", "fail" / "succeed" (extension attempts), "card:<action>".
FAULT_TO_READY = [("receive_card", {}), ("approve_warranty", {"checklist": CLEAN}),
                  ("order_replacement", {}), ("mark_ready", {})]
DUPLICATE_TO_READY = [("pay", {}), ("order_duplicate", {}), ("mark_ready", {})]
SCENARIOS: list[tuple[str, dict, list[tuple[str, dict]]]] = [
    ("fault", {}, []),
    ("fault", {}, [("receive_card", {})]),
    ("fault", {}, FAULT_TO_READY[:2]),
    ("fault", {}, FAULT_TO_READY[:3]),
    ("fault", {}, FAULT_TO_READY),
    ("fault", {}, [*FAULT_TO_READY, ("hand_over", {})]),
    ("fault", {}, [("receive_card", {}), ("require_duplicate", {"checklist": CRACKED})]),
    ("fault", {}, [("receive_card", {}), ("return_working", {})]),
    ("fault", {}, [("card:report_lost", {})]),
    ("damage", {}, []),
    ("damage", {}, DUPLICATE_TO_READY[:2]),
    ("damage", {}, [("waive", {}), *DUPLICATE_TO_READY[1:]]),
    ("damage", {}, [*DUPLICATE_TO_READY, ("hand_over", {})]),
    ("lost", {}, []),
    ("lost", {}, [("mark_found", {})]),
    ("lost", {}, DUPLICATE_TO_READY[:2]),
    ("lost", {}, DUPLICATE_TO_READY),
    ("lost", {}, [*DUPLICATE_TO_READY, ("hand_over", {})]),
    ("extension_failure", {"extension_error": "card_read_failed"}, []),
    ("extension_failure", {"extension_error": "card_read_failed"}, [("fail", {})]),
    ("extension_failure", {"extension_error": "no_certificate"}, []),
    ("extension_failure", {"extension_error": "extension_error"}, []),
    ("extension_failure", {"extension_error": "not_settled"}, []),
    ("extension_failure", {"extension_error": "card_read_failed"}, [("succeed", {})]),
    ("extension_failure", {"extension_error": "card_read_failed"}, [("convert_to_fault", {})]),
    ("invalidation", {}, []),
    ("invalidation", {}, [("confirm_corner_cut", {})]),
    ("invalidation", {}, [("withdraw_invalidation", {})]),
]

NOTES = {
    "fault": "Karta nie wczytuje się w USOS ani w kasowniku MPK; wygląda na nieuszkodzoną.",
    "damage": "Karta złamana w połowie, chip pęknięty.",
    "lost": "Legitymacja zgubiona w tramwaju.",
    "extension_failure": "Błąd przy przedłużaniu w dziekanacie.",
    "invalidation": "",
    "return_working": "Po przetarciu styków karta działa.",
    "convert_to_fault": "Karta nie odpowiada w trzech czytnikach: zgłoszona do SSOS.",
    "withdraw_invalidation": "Decyzja wprowadzona omyłkowo.",
    "card:report_lost": "Karta zgubiona, zanim trafiła do SSOS.",
}


class _Demo:
    def __init__(self, stdout: TextIO) -> None:
        self.stdout = stdout
        self.today = timezone.localdate()
        users = {u.username: u for u in User.objects.filter(
            username__in=["dziekanat", "ssos", "usos", "student"])}
        self.clerk, self.ssos, self.usos = users["dziekanat"], users["ssos"], users["usos"]
        self.student = users.get("student")
        self.unit_ids = list(self.clerk.units.values_list("pk", flat=True))
        self.created = 0

    def free_cards(self, *, invalidable: bool = False) -> Iterator[Card]:
        """Active cards of the clerk's units without an open case (the student's first)."""
        cards = (Card.objects.filter(serving_unit_id__in=self.unit_ids, state=CardState.ACTIVE,
                                     kind=CardKind.ELS)
                 .exclude(cases__state__in=OPEN_STATES)
                 .select_related("holder", "serving_unit")
                 .prefetch_related("holder__enrolments", "holder__employments")
                 .order_by(F("holder__user_id").desc(nulls_last=True), "number"))
        for card in cards:
            refusal = card_rules.any_invalidation_refusal(card, self.today)
            if invalidable == (refusal is None):
                yield card

    def actor_for(self, step: str) -> User:
        if step in ("receive_card", "approve_warranty", "require_duplicate",
                    "order_replacement", "mark_ready", "hand_over"):
            return self.ssos
        return self.clerk

    def play(self, case: Case, step: str, params: dict[str, Any]) -> None:
        if step == "pay":
            payment_mark_paid(case_id=case.pk, actor=self.clerk, source=WEB,
                              reference=f"DEMO/{case.pk:05d}", paid_on=self.today)
        elif step == "waive":
            payment_waive(case_id=case.pk, actor=self.clerk, source=WEB,
                          reason="Zwolnienie z opłaty decyzją dziekana (demo).")
        elif step in ("fail", "succeed"):
            case_record_attempt(case_id=case.pk, actor=self.clerk, source=WEB,
                                succeeded=step == "succeed",
                                note="Czytnik odłączony i podłączony ponownie, chip przetarty.")
        elif step.startswith("card:"):
            card_act(card_id=case.card_id, action=step.removeprefix("card:"), actor=self.clerk,
                     source=WEB, note=NOTES[step])
        else:
            if step == "hand_over":
                card = Card.objects.get(pk=case.card_id)  # numbers the same on every run
                params = {"new_number": f"{card.number}-N",
                          # demo chips start 04: another first byte keeps it unique
                          "new_chip_serial": f"08{card.chip_serial[2:]}"}
            case_act(case_id=case.pk, action=step, actor=self.actor_for(step), source=WEB,
                     note=NOTES.get(step, ""), **params)

    def open(self, card: Card, kind: str, options: dict) -> Case:
        ground = ""
        if kind == "invalidation":
            ground = next(g for g in card_rules.grounds_for_kind(card.kind)
                          if card_rules.invalidation_refusal(card, g, self.today) is None)
        actor = self.usos if options.get("extension_error") == "no_certificate" else self.clerk
        return case_open(card_id=card.pk, kind=kind, actor=actor, source=WEB,
                         note=NOTES[kind], ground=ground, **options)

    def load(self) -> None:
        cards = self.free_cards()
        invalidable = self.free_cards(invalidable=True)
        for kind, options, steps in SCENARIOS:
            card = next(invalidable if kind == "invalidation" else cards, None)
            if card is None:
                self.stdout.write(_("Not enough demo cards for a %(kind)s case.") % {"kind": kind})
                continue
            case = self.open(card, kind, options)
            for step, params in steps:
                self.play(case, step, params)
            if not steps:
                case_comment_add(case_id=case.pk, actor=self.clerk, visible_to_holder=True,
                                 body="Prosimy o kontakt z dziekanatem w godzinach dyżuru.")
            self.created += 1
        self.stdout.write(_("Cases: %(n)d demo cases opened through the services.")
                          % {"n": self.created})


def load(stdout: TextIO) -> None:
    _Demo(stdout).load()
