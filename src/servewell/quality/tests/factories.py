"""Building blocks of the quality tests: a published scorecard, handled conversations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from servewell.contacts.contacts import contact_for_email
from servewell.desk.conversations import open_conversation
from servewell.desk.models import Conversation, Message
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


def make_scorecard(name: str = "Service", sections=None, publish: bool = True) -> Scorecard:
    card = scorecards.create_scorecard(None, name=name, now=NOW, sections=sections or SERVICE)
    if publish:
        scorecards.publish(None, card.versions.get(), now=NOW)
    return card


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
    conversation, _ = open_conversation(
        team=team,
        contact=contact_for_email(email),
        subject=subject,
        channel=channel,
        now=opened,
        body_text="Hello, my order has not arrived.",
    )
    for n, author in enumerate(replies, start=1):
        Message.objects.create(
            conversation=conversation,
            kind="reply",
            author=author,
            body_text=f"Reply {n}: sorry, let me check.",
            created_at=opened + dt.timedelta(minutes=n),
        )
    fields = {}
    if assign and person is not None:
        fields["assignee"] = person
    if solved is not None:
        fields |= {"status": "solved", "solved_at": solved}
    if fields:
        Conversation.objects.filter(pk=conversation.pk).update(**fields)
        conversation.refresh_from_db()
    return conversation


def full_answers(version: ScorecardVersion, **by_title) -> dict[int, dict]:
    """Every criterion answered: the best answer unless ``by_title`` says otherwise
    (keys are titles with spaces as underscores)."""
    out = {}
    for c in version.criteria.all():
        key = c.title.replace(" ", "_").replace("&", "and")
        best = 1 if c.scale == "yes_no" else 5
        out[c.pk] = {"value": by_title.get(key, best), "comment": ""}
    return out
