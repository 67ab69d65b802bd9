"""API tokens on one's own profile: shown once, listed, revoked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from servewell.people.models import ApiToken, Role
from servewell.people.tests.factories import make_person


@pytest.mark.e2e
def test_admin_creates_api_token_and_sees_it_once(page, sign_in):
    sign_in(page, make_person("adam", [Role.ADMIN]))
    page.goto("/me/")
    expect(page.get_by_role("cell", name="No tokens yet.")).to_be_visible()

    page.get_by_label("Token name").fill("nightly export")
    page.get_by_role("button", name="Create token").click()
    shown = page.get_by_role("alert").filter(has_text="copy it now")
    expect(shown).to_be_visible()
    token = page.locator("#new-token").inner_text().strip()
    assert token.startswith("sw_")

    page.goto("/me/")
    expect(shown).to_have_count(0)
    expect(page.get_by_text(token)).to_have_count(0)
    row = page.get_by_role("row").filter(has_text="nightly export")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell", name="active", exact=True)).to_be_visible()
    expect(row).to_contain_text(token[: token.index("_", 3)])  # "sw_<prefix>"

    dialogs = []

    def accept(dialog) -> None:
        dialogs.append((dialog.type, dialog.message))
        dialog.accept()

    page.on("dialog", accept)
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text("revoked")
    assert dialogs == [("confirm", "Revoke this token? Scripts using it stop working.")]
    expect(row.get_by_role("cell", name="revoked", exact=True)).to_be_visible()
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)


@pytest.mark.e2e
def test_reloading_the_page_after_creating_a_token_makes_no_second_token(page, sign_in):
    adam = make_person("adam", [Role.ADMIN])
    sign_in(page, adam)
    page.goto("/me/")
    page.get_by_label("Token name").fill("nightly export")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).to_be_visible()

    page.reload()
    page.wait_for_load_state("load")
    assert page.locator("#new-token").count() == 0
    assert ApiToken.objects.filter(user=adam).count() == 1
