from __future__ import annotations

import pytest

from servewell.quality.tests.factories import make_scorecard, version_of


@pytest.fixture
def card(db):
    return make_scorecard()


@pytest.fixture
def version(card):
    return version_of(card)
