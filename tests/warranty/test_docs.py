from pathlib import Path

from warranty.diagram import diagram_block


def test_state_diagram_in_the_docs_matches_the_model():
    doc = Path(__file__).resolve().parents[2] / "docs" / "cases.md"
    assert diagram_block() in doc.read_text(), (
        "docs/cases.md is out of date: run warranty.diagram.write_into_docs()")
