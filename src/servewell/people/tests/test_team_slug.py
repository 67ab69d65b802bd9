"""Integrations name a team by its slug: the README's examples use real ones, and the team
page shows it."""

from __future__ import annotations

import re
from pathlib import Path

from servewell.people.demo import load_people_demo
from servewell.people.models import Team

README = Path(__file__).resolve().parents[4] / "README.md"


def test_the_readmes_team_slugs_exist_in_the_demo(db):
    load_people_demo()
    text = README.read_text()
    named = set(re.findall(r'"team": "([a-z0-9-]+)"', text))
    named |= set(re.findall(r"--map \w+=([a-z0-9-]+)", text))
    assert named and named <= set(Team.objects.values_list("slug", flat=True))


def test_the_team_page_shows_the_slug(client_as, lena, care):
    page = client_as(lena).get(f"/teams/{care.pk}/").content.decode()
    assert f"<code>{care.slug}</code>" in page
