"""Signing in and out, and what a browser reports while a signed-in person looks around."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from servewell.people.models import Role
from servewell.people.tests.factories import PASSWORD, make_person


@pytest.mark.e2e
def test_sign_in_open_people_and_sign_out(page, live_server):
    make_person("adam", [Role.ADMIN], display_name="Adam Admin")
    make_person("alice", [Role.AGENT], display_name="Alice Adler")
    make_person("bob", [Role.AGENT], display_name="Bob Brandt")

    page.goto("/login/")
    page.get_by_label("Username").fill("adam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Adam Admin")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page).to_have_url(re.compile(r"/people/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    people = page.get_by_role("table", name="People")
    for name in ("Adam Admin", "Alice Adler", "Bob Brandt"):
        expect(people.get_by_role("link", name=name)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Servewell")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


@pytest.mark.e2e
def test_wrong_password_shows_error_and_no_console_errors_or_csp_violations(page, sign_in):
    adam = make_person("adam", [Role.ADMIN], display_name="Adam Admin")

    page.goto("/login/")
    page.get_by_label("Username").fill("adam")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username")
    expect(page).to_have_url(re.compile(r"/login/$"))

    sign_in(page, adam)
    for path, heading in [
        ("/", "Hello, Adam Admin"),
        ("/people/", "People"),
        ("/teams/", "Teams"),
        ("/me/", "Adam Admin"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        page.wait_for_load_state("networkidle")  # late requests (icon, htmx) report too
    assert page.console_errors == []
