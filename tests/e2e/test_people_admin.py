"""An administrator adds a person and puts them in a team."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team


@pytest.mark.e2e
def test_admin_adds_person_and_team_member(page, sign_in):
    make_team("Care", email="care@example.org")
    sign_in(page, make_person("adam", [Role.ADMIN]))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_role("link", name="Add a person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a person")
    page.get_by_label("Username").fill("nora")
    page.get_by_label("Email").fill("nora@example.org")
    page.get_by_label("Display name").fill("Nora Novak")
    page.get_by_role("group", name="Roles").get_by_label("Agent", exact=True).check()
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/people/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Nora Novak was added and invited by email.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nora Novak")
    expect(page.get_by_role("definition").filter(has_text="Agent")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Teams").click()
    page.get_by_role("link", name="Care").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Care")
    page.get_by_label("Add a person").select_option(label="Nora Novak")
    page.get_by_role("button", name="Add", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Nora Novak is in Care.")
    members = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Person"))
    row = members.get_by_role("row").filter(has_text="Nora Novak")
    expect(row.get_by_role("link", name="Nora Novak")).to_be_visible()
    expect(row.get_by_role("cell", name="Member", exact=True)).to_be_visible()
