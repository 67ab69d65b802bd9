"""Fixtures of the mail tests: attachments in a temporary media folder, a real SMTP sink."""

from __future__ import annotations

import pytest

from servewell.desk.mail.testing import smtp_sink_for


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server (aiosmtpd) on a free loopback port; Django's SMTP backend points
    at it. ``smtp_sink.messages`` holds what arrived, parsed."""
    with smtp_sink_for(settings) as sink:
        yield sink
