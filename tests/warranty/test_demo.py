"""The demo cases: every state each kind of case can reach, opened through the services."""

from __future__ import annotations

import io
from collections import defaultdict

import pytest

from cards import demo as cards_demo
from warranty import demo
from warranty.models import Case, CaseEvent

pytestmark = pytest.mark.django_db

EXPECTED = {
    "fault": {"awaiting_card", "in_assessment", "warranty_approved", "replacement_ordered",
              "ready_for_pickup", "handed_over", "payment_due", "resolved", "cancelled"},
    "damage": {"payment_due", "replacement_ordered", "ready_for_pickup", "handed_over"},
    "lost": {"payment_due", "replacement_ordered", "ready_for_pickup", "handed_over",
             "cancelled"},
    "extension_failure": {"troubleshooting", "escalated", "holder_to_usos", "data_fix_needed",
                          "resolved", "converted"},
    "invalidation": {"awaiting_corner_cut", "card_returned", "cancelled"},
}


def test_demo_cases_in_every_state_of_every_kind():
    out = io.StringIO()
    cards_demo.load(out)
    demo.load(out)
    states = defaultdict(set)
    for kind, state in Case.objects.values_list("kind", "state"):
        states[kind].add(state)
    for kind, expected in EXPECTED.items():
        assert expected <= states[kind], kind
    # every demo case has a real history starting with its opening
    assert not Case.objects.exclude(pk__in=CaseEvent.objects.filter(action="open")
                                    .values("case_id")).exists()
    assert "Not enough" not in out.getvalue()
