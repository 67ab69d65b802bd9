"""The web form's thank-you page promises what the acknowledgement email promises."""

from __future__ import annotations

import re

from django.test import Client

from servewell.commitments.tests.test_screens_and_api import always_open, policy  # noqa: F401
from servewell.desk import assignment
from servewell.desk.models import Conversation


def test_the_thank_you_page_gives_the_answer_by_time_the_email_gives(
    policy,  # noqa: F811
    care,
    adam,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    assignment.update_settings(adam, care, public_form=True)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/help/request/",
            {
                "name": "Ama Mensah",
                "email": "ama@example.org",
                "team": care.pk,
                "subject": "Kettle lid cracked",
                "message": "The lid cracked on the second day.",
                "website": "",
            },
        )
        # Shown before the worker has filed it, the page makes the same promise.
        pending = client.get(response["Location"]).content.decode()
    conversation = Conversation.objects.get()
    [ack] = [m for m in mailoutbox if f"[#{conversation.pk}]" in m.subject]
    promise = re.search(r"((?:today )?by [^.\n]*?\(Europe/London time\))", ack.body).group(1)
    thanks = client.get(response["Location"]).content.decode()
    assert promise in thanks
    assert promise in pending and "being filed" in pending
