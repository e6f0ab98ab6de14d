"""The bench runs on the tests' fixtures: the private pcscd, the reader slot, the agent,
the live server and the extension set-up of tests/reader_bridge."""

from tests.agent.conftest import *  # noqa: F403
from tests.conftest import *  # noqa: F403
from tests.reader_bridge.conftest import *  # noqa: F403
