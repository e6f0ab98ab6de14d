"""Every model change comes with its migration."""

from io import StringIO

import pytest

from django.core.management import call_command


@pytest.mark.django_db  # makemigrations checks the migration history against the database
def test_no_model_change_lacks_a_migration():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits 1 if any
    assert "No changes detected" in out.getvalue()
