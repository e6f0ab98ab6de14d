import pytest

from reader_bridge.services import processing_flag_clear


@pytest.fixture(autouse=True)
def _clear_processing_flag():
    """The processing-scheduled flag is shared state: no test inherits another's."""
    processing_flag_clear()
    yield
    processing_flag_clear()
