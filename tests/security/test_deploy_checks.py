"""`manage.py check --deploy` tells an operator which keys still hang on SECRET_KEY;
every start refuses keys that are set but cannot be used."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet

from legitymacje.checks import keys_configured, keys_usable

VALID_FERNET_KEY = Fernet.generate_key().decode()


def test_keys_left_to_derive_from_the_secret_key_are_named(settings):
    settings.KEYS_DERIVED_FROM_SECRET_KEY = ["PESEL_HASH_KEY", "READER_JOB_KEY"]
    (warning,) = keys_configured(None)
    assert warning.id == "legitymacje.W001"
    assert "PESEL_HASH_KEY, READER_JOB_KEY" in warning.msg
    assert "PESEL_ENCRYPTION_KEYS" not in warning.msg


def test_configured_keys_pass(settings):
    settings.KEYS_DERIVED_FROM_SECRET_KEY = []
    assert keys_configured(None) == []


@pytest.mark.parametrize("keys", [[], ["not-a-fernet-key"], [VALID_FERNET_KEY, "short"]])
def test_unusable_pesel_keys_stop_the_start(settings, keys):
    settings.PESEL_ENCRYPTION_KEYS = keys
    (error,) = keys_usable(None)
    assert error.id == "legitymacje.E001"
    assert "PESEL_ENCRYPTION_KEYS" in error.msg


@pytest.mark.parametrize("key", ["", "c2hvcnQ=", "not base64!"])
def test_an_unusable_reader_job_key_stops_the_start(settings, key):
    settings.READER_JOB_KEY = key
    (error,) = keys_usable(None)
    assert error.id == "legitymacje.E002"
    assert "READER_JOB_KEY" in error.msg


def test_usable_keys_pass(settings):
    settings.PESEL_ENCRYPTION_KEYS = [VALID_FERNET_KEY]
    settings.READER_JOB_KEY = base64.b64encode(bytes(range(32))).decode()
    assert keys_usable(None) == []
