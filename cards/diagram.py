"""A Mermaid state diagram generated from the Card state machine itself.

django-fsm-2's `graph_transitions` needs Graphviz; Mermaid renders on the code host and
in the docs without extra tools, and `tests/cards/test_docs.py` keeps the copy in
`docs/architecture.md` in step with the code.
"""

from __future__ import annotations

from .models import Card, CardState


def card_state_diagram() -> str:
    field = Card._meta.get_field("state")
    edges = sorted({
        (str(t.source), str(t.target), t.name)
        for t in field.get_all_transitions(Card)
    })
    lines = ["stateDiagram-v2", f"    [*] --> {CardState.ACTIVE.value}"]
    lines += [f"    {source} --> {target}: {name}" for source, target, name in edges]
    lines += [f"    {state.value} --> [*]" for state in (CardState.INVALIDATED, CardState.REPLACED)]
    return "\n".join(lines) + "\n"


def write_into_docs(path: str = "docs/architecture.md") -> None:
    """Replace the diagram between the markers in the architecture document."""
    from pathlib import Path

    doc = Path(path)
    text = doc.read_text()
    head, rest = text.split("<!-- card-state-diagram:start -->\n", 1)
    _old, tail = rest.split("<!-- card-state-diagram:end -->", 1)
    block = f"```mermaid\n{card_state_diagram()}```\n"
    doc.write_text(
        f"{head}<!-- card-state-diagram:start -->\n{block}<!-- card-state-diagram:end -->{tail}"
    )
