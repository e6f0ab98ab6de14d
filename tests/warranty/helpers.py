"""Shortcuts for tests: walk a case through its steps with the real services."""

from __future__ import annotations

from typing import Any

from warranty.models import Case
from warranty.services import case_act, case_open

CLEAN = {"broken": False, "bent": False, "cracked": False, "chip_damaged": False,
         "chip_dirty_or_worn": False, "other": False}
DIRTY = {**CLEAN, "chip_dirty_or_worn": True}


def open_case(card: Any, kind: str, actor: Any, **kwargs: Any) -> Case:
    kwargs.setdefault("note", "nie wczytuje się w USOS")
    return case_open(card_id=card.pk, kind=kind, actor=actor, source="web", **kwargs)


def act(case: Case, action: str, actor: Any, **kwargs: Any) -> Case:
    case_act(case_id=case.pk, action=action, actor=actor, source="web", **kwargs)
    return Case.objects.select_related("card", "payment").get(pk=case.pk)
