"""Settings for the test suite: the real settings, with jobs inline and fast hashing."""

import os

os.environ.setdefault("SERVEWELL_TESTING", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from servewell.config.settings import *  # noqa: E402,F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns when missing
AUDIT_DB_TRIGGERS = False  # the runner empties tables between tests; see core migration 0003
