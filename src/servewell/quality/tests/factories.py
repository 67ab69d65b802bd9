"""Building blocks of the quality tests: a published scorecard, handled conversations.

``ScorecardFactory`` and ``HandledConversationFactory`` build through the domain functions
(``scorecards.create_scorecard`` / ``publish``, ``conversations.open_conversation``); the
functions below them are the short spellings most tests use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import factory

from servewell.contacts.contacts import contact_for_email
from servewell.desk.models import Conversation, Message
from servewell.desk.tests.factories import ConversationFactory
from servewell.people.models import Team, User
from servewell.quality import scorecards
from servewell.quality.models import Scorecard, ScorecardVersion

NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=dt.UTC)  # a Wednesday in 2026 Q2

SERVICE = [
    {
        "title": "Greeting & ownership",
        "criteria": [
            {"title": "Greets by name", "weight": 1},
            {"title": "Owns the problem", "weight": 2, "scale": "one_to_five"},
        ],
    },
    {
        "title": "Resolution",
        "criteria": [
            {"title": "Correct answer", "weight": 3, "critical": True},
            {"title": "Offers a next step", "weight": 1, "na_allowed": True},
        ],
    },
]


class ScorecardFactory(factory.django.DjangoModelFactory):
    """A scorecard with ``sections`` (the service card by default), published unless
    ``publish=False``."""

    class Meta:
        model = Scorecard

    name = "Service"
    sections = factory.LazyFunction(lambda: SERVICE)
    publish = True

    @classmethod
    def _create(cls, model_class: type[Scorecard], *args: Any, **kwargs: Any) -> Scorecard:
        publish = kwargs.pop("publish")
        card = scorecards.create_scorecard(None, now=NOW, **kwargs)
        if publish:
            scorecards.publish(None, card.versions.get(), now=NOW)
        return card


class HandledConversationFactory(ConversationFactory):
    """A conversation in ``team`` handled by ``person`` (assigned unless ``assign=False``),
    with a public reply by each of ``replies`` a minute apart, solved at ``solved``."""

    class Params:
        email = "carol@example.com"

    contact = factory.LazyAttribute(lambda o: contact_for_email(o.email))
    subject = "Where is my parcel?"
    body = "Hello, my order has not arrived."
    now = NOW
    person = None
    replies = ()
    assign = True
    solved = None

    @classmethod
    def _create(cls, model_class: type[Conversation], *args: Any, **kwargs: Any) -> Conversation:
        person, replies = kwargs.pop("person"), kwargs.pop("replies")
        assign, solved = kwargs.pop("assign"), kwargs.pop("solved")
        conversation = super()._create(model_class, *args, **kwargs)
        opened = kwargs["now"]
        for n, author in enumerate(replies, start=1):
            Message.objects.create(
                conversation=conversation,
                kind="reply",
                author=author,
                body_text=f"Reply {n}: sorry, let me check.",
                created_at=opened + dt.timedelta(minutes=n),
            )
        fields: dict[str, Any] = {}
        if assign and person is not None:
            fields["assignee"] = person
        if solved is not None:
            fields |= {"status": "solved", "solved_at": solved}
        if fields:
            Conversation.objects.filter(pk=conversation.pk).update(**fields)
            conversation.refresh_from_db()
        return conversation


def make_scorecard(name: str = "Service", sections=None, publish: bool = True) -> Scorecard:
    return ScorecardFactory(name=name, sections=sections or SERVICE, publish=publish)


def version_of(card: Scorecard) -> ScorecardVersion:
    return scorecards.latest_published(card)


def criteria(version: ScorecardVersion) -> dict[str, int]:
    """Title -> id."""
    return dict(version.criteria.values_list("title", "id"))


def handled(
    team: Team,
    person: User | None,
    *,
    subject: str = "Where is my parcel?",
    channel: str = "email",
    opened: dt.datetime = NOW,
    solved: dt.datetime | None = None,
    replies: Iterable[User] = (),
    assign: bool = True,
    email: str = "carol@example.com",
) -> Conversation:
    """A conversation in ``team`` handled by ``person`` (assigned), with public replies."""
    return HandledConversationFactory(
        team=team,
        person=person,
        subject=subject,
        channel=channel,
        now=opened,
        solved=solved,
        replies=list(replies),
        assign=assign,
        email=email,
    )


def full_answers(version: ScorecardVersion, **by_title) -> dict[int, dict]:
    """Every criterion answered: the best answer unless ``by_title`` says otherwise
    (keys are titles with spaces as underscores)."""
    out = {}
    for c in version.criteria.all():
        key = c.title.replace(" ", "_").replace("&", "and")
        best = 1 if c.scale == "yes_no" else 5
        out[c.pk] = {"value": by_title.get(key, best), "comment": ""}
    return out
