import pytest

from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """The processing-scheduled flag lives in the cache: no test inherits another's."""
    cache.clear()
    yield
    cache.clear()
