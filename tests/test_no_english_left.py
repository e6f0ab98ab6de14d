"""No English left on Polish pages: template text outside {% translate %} and catalogue
entries whose Polish is still English."""

from __future__ import annotations

import re
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
PO = ROOT / "locale" / "pl" / "LC_MESSAGES" / "django.po"

# Words that are English and never Polish ("to", "na", "do" are Polish too, so not here).
ENGLISH = frozenset("""
the and of is are was were with your you this that these has have been from please
card cards case cases holder holders reader readers unit units done error failed open
opened closed new next back home page pages search state date until valid
download export report reports number name file see here click yes none all any
""".split())
# Names and codes that read the same in both languages.
NEUTRAL = frozenset({"SSOS", "USOS", "PESEL", "CSV", "XLSX", "PDF", "ELS", "ELD", "ELN",
                     "API", "ATR", "APDU", "SW", "OK", "PC/SC", "Legitymacje", "e-mail",
                     "JSON", "URL", "UID", "PLN"})

_TAG = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
_BLOCKTRANS = re.compile(r"{%\s*blocktrans(late)?\b.*?{%\s*endblocktrans(late)?\s*%}", re.S)
_HTML = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->|<[^>]*>", re.S)
_TEXT_ATTRS = re.compile(r'\b(?:placeholder|title|aria-label|alt)="([^"{]*)"')
_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*")


def _english_words(text: str) -> list[str]:
    text = re.sub(r"\w+_\w+", " ", text)  # column and field names (album_number)
    text = re.sub(r"\b[A-Z]\w*(?:-[A-Z]\w*)+", " ", text)  # header names (X-Reader-Nonce)
    return [w for w in _WORD.findall(text) if w.casefold() in ENGLISH and w not in NEUTRAL]


def _untranslated_text(source: str) -> list[str]:
    found = [value for value in _TEXT_ATTRS.findall(source) if _english_words(value)]
    text = _HTML.sub(" ", _TAG.sub(" ", _BLOCKTRANS.sub(" ", source)))
    found += [line.strip() for line in text.splitlines() if _english_words(line)]
    return found


def test_templates_have_no_text_outside_translation_tags():
    leftovers = {}
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in {".html", ".txt"} or "admin" in path.parts:
            continue
        found = _untranslated_text(path.read_text(encoding="utf-8"))
        if found:
            leftovers[str(path.relative_to(ROOT))] = found
    assert not leftovers


def test_polish_catalogue_has_no_english_left():
    english = []
    for entry in polib.pofile(str(PO)):
        if entry.obsolete:
            continue
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            cleaned = re.sub(r"%\(\w+\)[sd]|\{\w+\}|`[^`]*`|“[^”]*”|„[^”]*”", " ", text)
            if _english_words(cleaned):
                english.append((entry.msgid, text))
    assert not english


def test_the_check_finds_english():
    assert _untranslated_text("<p>Download the file</p>") == ["Download the file"]
    assert _untranslated_text('<input placeholder="Search cards">')
    assert not _untranslated_text("<p>{% translate 'Download the file' %}</p>")
    assert not _english_words("Pobierz plik CSV dla SSOS")
