"""An acknowledgement is for a request that just arrived, never for history."""

from __future__ import annotations

from servewell.commitments.tests.test_screens_and_api import (  # noqa: F401
    always_open,
    make_conversation,
    policy,
)


def test_a_request_found_hours_after_it_was_written_is_not_acknowledged(
    policy,  # noqa: F811
    care,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        make_conversation(care, hours_old=3)  # an imported backlog, or the demo's past
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        make_conversation(care, email="dan@example.net")
    assert [m.to for m in mailoutbox] == [["dan@example.net"]]
