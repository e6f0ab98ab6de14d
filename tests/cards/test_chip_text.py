"""The codec's sentences are shown in the reader's language; stored reads stay English."""

from __future__ import annotations

import ast
import inspect

import pytest

from django.utils import translation

from cards import chip
from cards.chip_text import chip_sentence
from reader_bridge.read_text import detail_for_display

# Calls whose message argument is a sentence people see.
_MESSAGE_CALLS = {"ChipProblem", "MalformedFile", "NotSignedData", "UnexpectedContent"}


def _example(node: ast.expr) -> str | None:
    """A string or f-string argument with "X" for each value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "X"
                       for part in node.values)
    return None


def _codec_sentences() -> list[str]:
    tree = ast.parse(inspect.getsource(chip))
    sentences = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in _MESSAGE_CALLS:
            sentence = _example(node.args[-1])
            if sentence is not None:
                sentences.append(sentence)
        if (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "append"
                and getattr(node.func.value, "id", "") == "notes"):
            sentences.append(_example(node.args[0]))
    return sentences


def test_the_codec_has_sentences_to_find():
    assert len(_codec_sentences()) >= 20


@pytest.mark.parametrize("sentence", _codec_sentences())
def test_every_sentence_of_the_codec_is_shown_in_polish(sentence):
    with translation.override("pl"):
        shown = chip_sentence(sentence)
    assert shown != sentence, f"no Polish for the codec's “{sentence}”"


def test_values_keep_their_place_and_dates_their_polish_form():
    with translation.override("pl"):
        assert chip_sentence("validity ended on 2026-10-31") == "ważność upłynęła 31.10.2026"
        assert chip_sentence("the chip data has no pesel") == (
            "w danych chipu brakuje pola „PESEL”")
        assert chip_sentence("the signed data names chip 04AA, but the card read is 04BB") == (
            "podpisane dane wskazują chip 04AA, a w czytniku jest legitymacja 04BB")
        assert chip_sentence("something new") == "something new"  # unknown: as stored
    with translation.override("en"):
        assert chip_sentence("validity ended on 2026-10-31") == "validity ended on 10/31/2026"


def test_a_diagnosis_detail_is_translated_part_by_part():
    stored = ("apdu_error at select_els SW 6A82 (application or file not found: not an ELS, "
              "another card type, an unpersonalised or corrupted chip)")
    with translation.override("pl"):
        shown = detail_for_display(stored)
        assert shown.startswith("legitymacja odpowiedziała błędem w kroku select_els, SW 6A82 (")
        assert "nie znaleziono aplikacji lub pliku" in shown
        assert detail_for_display(
            "EF.ELS malformed: the file is empty; requested card #3, read card #4") == (
            "EF.ELS malformed: plik jest pusty; oczekiwano legitymacji nr 3, "
            "odczytano legitymację nr 4")
    with translation.override("en"):
        assert detail_for_display("PESEL on the chip differs from the holder's") == (
            "PESEL on the chip differs from the holder's")
