"""Helpers of the experience tests: a solved conversation, a sent survey and its token."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.core import mail

from servewell.desk import conversations
from servewell.desk.models import Status
from servewell.desk.tests.factories import make_contact, make_conversation
from servewell.experience import surveys
from servewell.experience.models import Survey

LINK = re.compile(r"/s/([A-Za-z0-9_-]+)/(\d+|unsubscribe)/")


def solve(conversation, actor, *, now: datetime, capture) -> None:
    with capture(execute=True):
        conversations.update_conversation(
            actor, conversation, expected_version=None, status=Status.SOLVED, now=now
        )


def solved_conversation(team, handler, *, now: datetime, capture, contact=None, **kw):
    conversation = make_conversation(
        team, contact=contact or make_contact(), now=now - timedelta(hours=2), **kw
    )
    conversations.update_conversation(
        handler, conversation, expected_version=None, assignee=handler, now=now - timedelta(hours=1)
    )
    solve(conversation, handler, now=now, capture=capture)
    conversation.refresh_from_db()
    return conversation


def send_and_token(now: datetime, kind: str = "csat") -> tuple[Survey, str]:
    """Send what is due an hour and a bit after ``now``; the token of the last email."""
    before = len(mail.outbox)
    surveys.send_due_surveys(now=now + timedelta(minutes=61))
    assert len(mail.outbox) == before + 1, "one survey email"
    body = mail.outbox[-1].body
    tokens = {}
    for token, suffix in LINK.findall(body):
        if suffix != "unsubscribe":
            tokens.setdefault(token, suffix)
    csat_token = LINK.search(body).group(1)
    survey = Survey.objects.filter(kind=kind).order_by("-id").first()
    if kind == "csat":
        return survey, csat_token
    nps_token = next(t for t in tokens if t != csat_token)
    return survey, nps_token
