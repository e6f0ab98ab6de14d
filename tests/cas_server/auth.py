"""The CAS server's users: a JSON file of {username: {"password", "attributes"}}."""

import json
import os

from cas_server.auth import AuthUser


def _users() -> dict:
    with open(os.environ["CAS_TEST_USERS"], encoding="utf-8") as file:
        return json.load(file)


class FixtureUsers(AuthUser):
    def test_password(self, password):
        user = _users().get(self.username)
        return user is not None and password == user["password"]

    def attributs(self):
        return _users().get(self.username, {}).get("attributes", {})
