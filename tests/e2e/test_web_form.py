"""The public request form in a real browser: the visitor sends a request and the
thank-you page gives the reference, at once or, when the worker files it a moment
later, as soon as it has."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from servewell.desk import assignment, webform
from servewell.desk.models import Conversation, WebRequest
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team


def _fill_and_send(page, live_server, team_name: str) -> None:
    page.goto(f"{live_server.url}/help/request/")
    page.get_by_label("Your name").fill("Ama Mensah")
    page.get_by_label("Your email address").fill("ama@example.org")
    page.get_by_label("What is it about?").select_option(label=team_name)
    page.get_by_label("Subject", exact=True).fill("Kettle lid cracked")
    page.get_by_label("Message", exact=True).fill("The lid cracked on the second day of use.")
    page.get_by_role("button", name="Send request").click()


@pytest.fixture
def open_team():
    care = make_team("Care", email="care@example.org")
    lead = make_person("lead", [Role.LEAD], team=care)
    assignment.update_settings(lead, care, public_form=True)
    return care


@pytest.mark.e2e
def test_a_visitor_sends_a_request_and_sees_its_reference(page, live_server, open_team):
    _fill_and_send(page, live_server, "Care")
    conversation = Conversation.objects.get()  # filed as the form answered (jobs inline)
    expect(page.locator("#sent-reference")).to_contain_text(f"#{conversation.pk}")
    assert conversation.subject == "Kettle lid cracked" and conversation.team == open_team


@pytest.mark.e2e
def test_the_thank_you_page_shows_the_reference_once_the_worker_has_filed_it(
    page, live_server, open_team, monkeypatch
):
    monkeypatch.setattr(webform, "_ask_for_filing", lambda: None)  # the worker is busy
    _fill_and_send(page, live_server, "Care")
    expect(page.locator("#sent-reference")).to_contain_text("being filed")
    assert WebRequest.objects.get().state == WebRequest.State.RECEIVED
    webform.file_web_requests.call_local()  # the worker gets to it
    conversation = Conversation.objects.get()
    expect(page.locator("#sent-reference")).to_contain_text(f"Your reference is #{conversation.pk}")
