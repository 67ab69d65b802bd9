"""Fixtures of the mail tests: attachments in a temporary media folder, a real SMTP sink,
a real IMAP server, and the desk's (``commit``, ``published``, a fresh cache)."""

from __future__ import annotations

import pytest

from servewell.desk.tests.conftest import _fresh_cache, commit, published  # noqa: F401
from servewell.mail.tests.samples import IMAP_PASSWORD, IMAP_USER
from tests.support.mail import Dovecot, DovecotUnavailable, smtp_sink_for


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server (aiosmtpd) on a free loopback port; Django's SMTP backend points
    at it. ``smtp_sink.messages`` holds what arrived, parsed."""
    with smtp_sink_for(settings) as sink:
        yield sink


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory):
    """Dovecot on a free loopback port, for the whole run; tests use folders of their own."""
    users = {IMAP_USER: IMAP_PASSWORD, "other@example.org": "x"}
    server = Dovecot(tmp_path_factory.mktemp("dovecot"), users)
    try:
        server.start()
    except DovecotUnavailable as exc:
        pytest.skip(f"no Dovecot to test IMAP against: {exc}")
    yield server
    server.stop()
