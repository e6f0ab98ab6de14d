from __future__ import annotations

import pytest

from django.core import mail

from tests.factories import CardFactory, HolderFactory, UserFactory


@pytest.fixture
def holder_user(db):
    return UserFactory(username="student", email="student@example.edu")


@pytest.fixture
def holder(holder_user):
    return HolderFactory(user=holder_user, email="student@example.edu", album_number="123456")


@pytest.fixture
def card(unit, holder):
    return CardFactory(serving_unit=unit, holder=holder)


@pytest.fixture
def ssos(db):
    return UserFactory(username="ssos", roles=["ssos"], email="ssos@example.edu")


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the after-commit callbacks (the e-mail tasks) of the block, as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def _clean_outbox():
    mail.outbox.clear()
