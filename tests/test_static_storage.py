"""Production's static storage gives each name the URL of its manifest entry, worked out
once; a name the manifest lacks fails every time."""

from __future__ import annotations

import json

import pytest

from legitymacje.static_storage import StaticFilesStorage


@pytest.fixture
def storage(tmp_path, settings):
    settings.DEBUG = False
    (tmp_path / "staticfiles.json").write_text(json.dumps({
        "version": "1.1", "hash": "0", "paths": {"css/app.css": "css/app.1a2b3c.css"}}))
    return StaticFilesStorage(location=tmp_path, base_url="/static/")


def test_a_name_has_its_hashed_url_every_time(storage):
    first = storage.url("css/app.css")
    storage.hashed_files.clear()  # were it worked out again, it would fail now

    assert first == storage.url("css/app.css") == "/static/css/app.1a2b3c.css"


def test_a_name_the_manifest_lacks_fails_every_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("js/unknown.js")
