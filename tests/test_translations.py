"""Polish is the default language: every message must be translated and compiled."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale" / "pl" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
NOT_TRANSLATED = {"tests", "bench"}


def _sources() -> list[Path]:
    """manage.py, templates and every top-level Python package (the apps)."""
    packages = [
        path for path in ROOT.iterdir()
        if (path / "__init__.py").exists() and path.name not in NOT_TRANSLATED
    ]
    return [ROOT / "manage.py", ROOT / "templates", *packages]


def _translations(catalogue) -> dict:
    out = {}
    for entry in catalogue:
        if entry.obsolete:
            continue
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural)
        out[key] = tuple(entry.msgstr_plural.values()) if entry.msgid_plural else entry.msgstr
    return out


def test_every_message_is_translated():
    catalogue = polib.pofile(str(PO))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:20]}"


def test_compiled_catalogue_is_current():
    assert _translations(polib.mofile(str(MO))) == {
        key: value for key, value in _translations(polib.pofile(str(PO))).items() if key[1]
    }, "run `make messages` to recompile locale/pl/LC_MESSAGES/django.mo"


@pytest.mark.gettext
def test_catalogue_has_every_message_of_the_code(tmp_path):
    """makemessages on a copy of the sources finds nothing the catalogue lacks."""
    for source in _sources():
        target = tmp_path / source.name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "agent"))
        else:
            shutil.copy(source, target)
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "pl", "--no-location"],
        cwd=tmp_path, check=True, capture_output=True,
    )
    found = _translations(polib.pofile(str(tmp_path / "locale/pl/LC_MESSAGES/django.po")))
    known = _translations(polib.pofile(str(PO)))
    missing = sorted(key[1] for key in set(found) - set(known))
    assert not missing, f"run `make messages` and translate: {missing[:20]}"
