"""The navigation on a phone: folded behind a Menu button."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team

from .conftest import PHONE


@pytest.mark.e2e
def test_phone_viewport_menu(new_page, sign_in):
    make_team("Care")
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, make_person("adam", [Role.ADMIN]))

    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    for label in ("Home", "People", "Teams"):
        expect(nav.get_by_role("link", name=label)).to_be_visible()

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()

    menu.click()
    nav.get_by_role("link", name="Teams").click()
    expect(page).to_have_url(re.compile(r"/teams/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Teams")
    expect(page.get_by_role("link", name="Care")).to_be_visible()
