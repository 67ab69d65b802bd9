import pytest


@pytest.fixture(autouse=True)
def _empty_cache():
    """The dashboard keeps figure sets in the cache, keyed by team ids; a rolled-back
    test's team can share its id with the next test's, so every test starts empty."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
