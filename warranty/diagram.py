"""A Mermaid state diagram generated from the Case state machine itself (no Graphviz
needed); `tests/warranty/test_docs.py` keeps the copy in `docs/cases.md` in step."""

from __future__ import annotations

from pathlib import Path

from .models import CLOSED_STATES, Case
from .rules import REMEDIES
from .services import INITIAL_STATE

START, END = "<!-- case-state-diagram:start -->\n", "<!-- case-state-diagram:end -->"


def case_state_diagram() -> str:
    field = Case._meta.get_field("state")
    edges = sorted({
        (str(t.source), str(t.target), t.name)
        for t in field.get_all_transitions(Case)
        if t.name != "cancel"  # from every open state; shown once below
    })
    starts = sorted({*map(str, INITIAL_STATE.values()),
                     *(str(r.initial_state) for r in REMEDIES.values())})
    lines = ["stateDiagram-v2"]
    lines += [f"    [*] --> {state}" for state in starts]
    lines += [f"    {source} --> {target}: {name}" for source, target, name in edges]
    lines += ["    note right of cancelled: cancel (the card moved on) from any open state"]
    lines += [f"    {state} --> [*]" for state in sorted(CLOSED_STATES)]
    return "\n".join(lines) + "\n"


def diagram_block() -> str:
    return f"```mermaid\n{case_state_diagram()}```\n"


def write_into_docs(path: str = "docs/cases.md") -> None:
    doc = Path(path)
    head, rest = doc.read_text().split(START, 1)
    _old, tail = rest.split(END, 1)
    doc.write_text(f"{head}{START}{diagram_block()}{END}{tail}")
