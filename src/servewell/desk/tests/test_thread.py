"""A conversation's thread as people read it, written in Python: the same HTML the
thread's template wrote, message kind by message kind, every value escaped."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone

from servewell.desk import queries
from servewell.desk.merging import SPLITTABLE
from servewell.desk.models import Attachment, Message, MessageKind
from servewell.desk.tests.factories import make_contact, make_conversation
from servewell.desk.thread import thread_html
from servewell.desk.views.helpers import presented

#: The thread's template before it was written in Python.
TEMPLATE = Template((Path(__file__).parent / "data" / "thread_before.html").read_text())
AT = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # the night the clocks go forward
EVIL = '<script>alert("x")</script> & co'


def _same(html: str) -> str:
    """The HTML with its whitespace as the browser collapses it."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.fixture
def thread(care, alice):
    conversation = make_conversation(
        care, contact=make_contact(EVIL, email="ruth@example.net"), subject=f"Lid {EVIL}"
    )
    contact = conversation.contact

    def add(kind, minutes, **fields):
        return Message.objects.create(
            conversation=conversation, kind=kind, created_at=AT + dt.timedelta(minutes=minutes),
            **fields,
        )  # fmt: skip

    mail = add(
        MessageKind.CUSTOMER, 0, contact=contact, body_text="Hello\n> old",
        body_html="<p>It broke <b>again</b></p><blockquote>On Monday you wrote: hi</blockquote>",
    )  # fmt: skip
    Attachment.objects.create(
        message=mail,
        filename=f"a{EVIL}.pdf",
        content_type="application/pdf",
        size=2_345_678,
        file="attachments/2026/03/a.pdf",
    )
    Attachment.objects.create(
        message=mail,
        filename="big.iso",
        content_type="application/x-iso",
        size=99,
        rejected_reason="Too large <over 25 MB>",
    )
    add(MessageKind.CUSTOMER, 1, contact=contact, body_text=f"Plain\ntext {EVIL}")
    add(
        MessageKind.REPLY,
        2,
        author=alice,
        body_text="On its way.",
        delivery_status="failed",
        delivery_error=f"550 {EVIL}",
        cc=["a@x.example", EVIL],
        bcc=["b@x.example"],
    )
    add(
        MessageKind.REPLY,
        3,
        author=alice,
        body_text="Sent",
        delivery_status="sent",
        bcc=["only@x.example"],
    )
    add(MessageKind.NOTE, 4, author=alice, body_text="Checked the courier.")
    add(
        MessageKind.CALL,
        5,
        author=alice,
        body_text="Called back",
        call_direction="outbound",
        call_seconds=3725,
    )
    add(MessageKind.CALL, 6, contact=contact, body_text="Missed", call_direction="inbound")
    add(MessageKind.SYSTEM, 7, body_text="Merged from #12")
    return conversation


@pytest.mark.parametrize("can_work", [True, False])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
@pytest.mark.parametrize("first", [None, 1])
def test_the_thread_reads_as_the_template_wrote_it(thread, can_work, zone, first):
    messages = presented(queries.conversation_messages(thread))[:first]
    values = {
        "thread": messages,
        "conversation": thread,
        "can_work": can_work,
        "csrf_token": "tok<en>",
        "MessageKind": MessageKind,
        "splittable": SPLITTABLE,
    }
    with timezone.override(zone):
        expected = TEMPLATE.render(Context(values))
        written = str(
            thread_html(messages, conversation=thread, can_work=can_work, csrf_token="tok<en>")
        )
    assert _same(written) == _same(expected)
    assert "<script>" not in written and "<b>again</b>" in written


def test_an_agent_reads_the_thread_on_the_page_with_forward_and_split(client_as, alice, thread):
    page = client_as(alice).get(f"/desk/c/{thread.pk}/").content.decode()
    kinds = list(thread.messages.values_list("kind", flat=True))
    assert "<script>alert" not in page
    # Forward on all but the notes and the system's lines; split on customer messages and
    # calls; the reviewer-free page shows them to an agent who works the conversation.
    forwardable = [k for k in kinds if k not in (MessageKind.NOTE, MessageKind.SYSTEM)]
    assert page.count('class="split forward"') == len(forwardable) == 7
    splittable = [k for k in kinds if k in SPLITTABLE]
    assert page.count("Split into a new conversation") == len(splittable) == 5
    assert (
        "1:02:05" in page and "Show quoted text" in page and "Too large &lt;over 25 MB&gt;" in page
    )
