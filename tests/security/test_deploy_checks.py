"""`manage.py check --deploy` tells an operator which keys still hang on SECRET_KEY."""

from __future__ import annotations

from legitymacje.checks import keys_configured


def test_keys_left_to_derive_from_the_secret_key_are_named(settings):
    settings.KEYS_DERIVED_FROM_SECRET_KEY = ["PESEL_HASH_KEY", "READER_JOB_KEY"]
    (warning,) = keys_configured(None)
    assert warning.id == "legitymacje.W001"
    assert "PESEL_HASH_KEY, READER_JOB_KEY" in warning.msg
    assert "PESEL_ENCRYPTION_KEYS" not in warning.msg


def test_configured_keys_pass(settings):
    settings.KEYS_DERIVED_FROM_SECRET_KEY = []
    assert keys_configured(None) == []
