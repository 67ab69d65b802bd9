from servewell.desk.tests.conftest import _fresh_cache, commit, published  # noqa: F401
