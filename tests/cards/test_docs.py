from pathlib import Path

from cards.diagram import card_state_diagram

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def test_state_diagram_in_docs_matches_the_model():
    text = ARCHITECTURE.read_text()
    start = text.index("<!-- card-state-diagram:start -->")
    end = text.index("<!-- card-state-diagram:end -->")
    documented = text[start:end].split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert documented == card_state_diagram(), "run `make docs` to refresh docs/architecture.md"
