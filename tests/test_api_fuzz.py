"""Schemathesis over the OpenAPI schema, against the live test server, one token per role:
every check, bounded, and no 5xx or schema violation allowed.

The signed ingest endpoint is left to the ingest fuzz in tests/test_bad_input.py
(schemathesis cannot sign bodies).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from legitymacje.tokens import create_token
from tests.factories import CardFactory, UserFactory
from tests.warranty.helpers import open_case

CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = 10
ROLES = ["dziekanat", "ssos", "usos", "admin", "holder"]


def schemathesis() -> str:
    found = shutil.which("st", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("schemathesis is not installed (pip install -e '.[dev]')")
    return found


@pytest.fixture
def tokens(transactional_db, unit) -> dict[str, str]:
    deans_office = UserFactory(username="dziekanat", roles=["dziekanat"], units=[unit])
    users = {
        "dziekanat": deans_office,
        "ssos": UserFactory(username="ssos", roles=["ssos"]),
        "usos": UserFactory(username="usos", roles=["usos"]),
        "admin": UserFactory(username="admin", is_superuser=True, is_staff=True),
        "holder": UserFactory(username="student"),
    }
    own = CardFactory(serving_unit=unit, holder__user=users["holder"])
    for card in (own, CardFactory(serving_unit=unit)):
        open_case(card, "fault", deans_office)
    CardFactory.create_batch(3, serving_unit=unit)
    return {role: create_token(user) for role, user in users.items()}


@pytest.mark.parametrize("role", ROLES)
def test_the_api_answers_every_generated_request_as_its_schema_says(live_server, tokens, role):
    command = [
        schemathesis(), "--config-file", str(CONFIG), "run", f"{live_server.url}/api/schema/",
        "--checks", "all", "--phases", "examples,fuzzing", "--max-examples", str(MAX_EXAMPLES),
        "--workers", "1", "--seed", "20261201", "--exclude-path", "/api/readers/reads/",
        "-H", f"Authorization: Token {tokens[role]}",
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    summary = run.stdout[-3000:]
    generated = re.search(r"(\d+) generated", run.stdout)
    print(f"{role}: {generated.group(0) if generated else '?'}")  # counts for the report
    assert run.returncode == 0, summary
    assert generated and int(generated.group(1)) > 50, summary
