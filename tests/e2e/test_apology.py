"""The late-reply apology goes after the greeting, where a person would write it."""

from __future__ import annotations

import pytest

from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team

SORRY = "I am sorry you waited longer than we promised."


@pytest.mark.e2e
def test_the_apology_is_inserted_after_the_greeting_not_above_it(page, sign_in):
    care = make_team("Care", email="care@example.org")
    alice = make_person("alice", [Role.AGENT], team=care, display_name="Alice Agent")
    sign_in(page, alice)
    page.goto("/desk/")
    page.evaluate(
        """(sorry) => {
          const form = document.createElement("form");
          form.innerHTML = '<textarea name="body_text"></textarea>'
            + '<p id="apology-text" hidden></p>'
            + '<button type="button" data-insert-apology="apology-text">Apologise</button>';
          form.querySelector("#apology-text").textContent = sorry;
          document.body.append(form);
        }""",
        SORRY,
    )
    box = page.locator("textarea[name=body_text]").last
    box.fill("Hi Ama,\n\nYour new kettle ships today.")
    page.get_by_role("button", name="Apologise").click()
    assert box.input_value() == f"Hi Ama,\n\n{SORRY}\n\nYour new kettle ships today."
    page.get_by_role("button", name="Inserted — edit as you like").click()
    assert box.input_value().count(SORRY) == 1  # a second click adds nothing
    box.fill("Your new kettle ships today.")
    page.evaluate("() => document.querySelector('[data-insert-apology]').click()")
    assert box.input_value() == f"{SORRY}\n\nYour new kettle ships today."
    assert page.console_errors == []
