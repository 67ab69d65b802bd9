"""The list behind each figure of the existing capabilities, with the same filters:
the conversations, calls, alarms, responses, reviews or people it counts. Each list
comes from the capability's own figure module, so it counts exactly what the figure
counts. Rows are capped on screen (``LIMIT``, cut in the query: a page never fetches
more than it shows); the CSV streams them all."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from servewell.commitments import figures as commitments
from servewell.core.contract import FigureQuery
from servewell.livequeue import figures as livequeue
from servewell.livequeue.models import AlarmResponse, Call
from servewell.quality import figures as quality

LIMIT = 100  # rows on screen: the CSV has them all
Cell = Any  # a value, or (text, url)


@dataclass(frozen=True)
class Drill:
    title: str
    headers: list[str]
    rows: Callable[[FigureQuery, int | None], Iterable[list[Cell]]]


def _cap(rows: QuerySet, limit: int | None) -> Iterable:
    """The first ``limit`` rows, or all of them streamed in chunks (the CSV)."""
    return rows[:limit] if limit is not None else rows.iterator(chunk_size=2000)


#: What ``str(user)`` reads: a list row loads these columns of a person, not all of them.
NAME = ("display_name", "first_name", "last_name", "username")


def _names(path: str) -> list[str]:
    return [f"{path}__{f}" for f in NAME]


def _conversation(c) -> tuple[str, str]:
    return (f"#{c.pk} {c.subject}", reverse("desk-conversation", args=[c.pk]))


def _met(q: FigureQuery, limit: int | None) -> Iterable[list[Cell]]:
    clocks = (
        commitments.met_clocks(q)
        .select_related("conversation", "team", "responder")
        .only(
            "business_seconds_taken",
            "target_seconds",
            "met_at",
            "conversation__subject",
            "team__name",
            *_names("responder"),
        )
    )
    for k in _cap(clocks.order_by("met_at", "id"), limit):
        taken = k.business_seconds_taken or 0.0
        yield [
            _conversation(k.conversation),
            k.team.name,
            str(k.responder or "—"),
            round(taken),
            k.target_seconds,
            "yes" if taken <= k.target_seconds else "no",
            k.met_at.isoformat(),
        ]


def _breached(q: FigureQuery, limit: int | None) -> Iterable[list[Cell]]:
    clocks = (
        commitments.breached_clocks(q)
        .select_related("conversation__assignee", "team")
        .only(
            "breached_at",
            "conversation__subject",
            "conversation__status",
            "team__name",
            *_names("conversation__assignee"),
        )
    )
    for k in _cap(clocks.order_by("breached_at", "id"), limit):
        c = k.conversation
        yield [
            _conversation(c),
            k.team.name,
            str(c.assignee or "unassigned"),
            k.breached_at.isoformat(),
            c.get_status_display(),
        ]


def _backlog(q: FigureQuery, limit: int | None) -> Iterable[list[Cell]]:
    rows = commitments.backlog_conversations(q).select_related("team", "assignee")
    for c in _cap(rows.order_by("created_at", "id"), limit):
        yield [
            _conversation(c),
            c.team.name,
            str(c.assignee or "unassigned"),
            c.created_at.isoformat(),
            c.get_status_display(),
        ]


def _calls(q: FigureQuery, limit: int | None) -> Iterable[list[Cell]]:
    calls = Call.objects.filter(joined_at__gte=q.start, joined_at__lt=q.end).select_related(
        "team", "agent"
    )
    if q.team_ids is not None:
        calls = calls.filter(team_id__in=q.team_ids)
    for c in _cap(calls.order_by("joined_at", "id"), limit):
        yield [
            c.call_id,
            c.team.name,
            c.get_state_display(),
            c.joined_at.isoformat(),
            c.wait_s,
            c.talk_s,
            str(c.agent or c.agent_label or "—"),
        ]


def _alarms(q: FigureQuery, limit: int | None) -> Iterable[list[Cell]]:
    alarms = livequeue.alarms_in(q).select_related("team").annotate(n=Count("responses"))
    for a in _cap(alarms.order_by("raised_at", "id"), limit):
        yield [
            (f"#{a.pk} {a.rule_label}", reverse("queue-alarm", args=[a.pk])),
            a.team.name,
            a.raised_at.isoformat(),
            a.cleared_at.isoformat() if a.cleared_at else "open",
            a.n,
        ]


def _responses(q: FigureQuery, limit: int | None) -> Iterable[list[Cell]]:
    responses = AlarmResponse.objects.filter(alarm__in=livequeue.alarms_in(q)).select_related(
        "alarm__team", "user"
    )
    for r in _cap(responses.order_by("at", "id"), limit):
        yield [
            (f"#{r.alarm_id}", reverse("queue-alarm", args=[r.alarm_id])),
            r.alarm.team.name,
            str(r.user),
            r.get_role_display(),
            r.at.isoformat(),
        ]


def _reviews(q: FigureQuery, limit: int | None) -> Iterable[list[Cell]]:
    reviews = quality.reviews_in(q).select_related("reviewee", "reviewer", "team", "conversation")
    for r in _cap(reviews.order_by("submitted_at", "id"), limit):
        yield [
            (f"Review #{r.pk}", reverse("quality-review", args=[r.pk])),
            _conversation(r.conversation),
            r.team.name,
            str(r.reviewee),
            str(r.reviewer),
            r.score,
            r.submitted_at.isoformat(),
        ]


def _coverage(group: str) -> Callable[[FigureQuery], Iterable[list[Cell]]]:
    def rows(q: FigureQuery, limit: int | None) -> Iterable[list[Cell]]:
        window = Q(reviews_received__in=quality.reviews_in(FigureQuery(q.start, q.end)))
        people = quality.people_in_role(q, group).annotate(
            n=Count("reviews_received", filter=window)
        )
        for p in _cap(people.order_by("display_name", "username"), limit):
            yield [str(p), p.n, "yes" if p.n else "no"]

    return rows


_CLOCK = [
    "Conversation",
    "Team",
    "Responder",
    "Business seconds",
    "Target seconds",
    "Within",
    "Met at",
]
_CONV = ["Conversation", "Team", "Assignee"]
_CALLS = ["Call", "Team", "State", "Joined", "Wait (s)", "Talk (s)", "Agent"]
DRILLS: dict[str, Drill] = {
    "responsiveness.first_response_median": Drill("First replies", _CLOCK, _met),
    "responsiveness.first_response_p90": Drill("First replies", _CLOCK, _met),
    "responsiveness.within_commitment": Drill("First replies", _CLOCK, _met),
    "responsiveness.breaches": Drill(
        "Breached conversations", [*_CONV, "Breached at", "Status"], _breached
    ),
    "responsiveness.aging_backlog": Drill(
        "Aging conversations", [*_CONV, "Created", "Status"], _backlog
    ),
    "queue.service_level": Drill("Calls", _CALLS, _calls),
    "queue.asa": Drill("Calls", _CALLS, _calls),
    "queue.abandonment": Drill("Calls", _CALLS, _calls),
    "queue.alarms": Drill("Alarms", ["Alarm", "Team", "Raised", "Cleared", "Responses"], _alarms),
    "queue.leaders_share": Drill(
        "Alarm responses", ["Alarm", "Team", "Who", "Role", "At"], _responses
    ),
    "quality.iqs": Drill(
        "Reviews",
        ["Review", "Conversation", "Team", "Reviewee", "Reviewer", "Score", "Submitted"],
        _reviews,
    ),
    **{
        f"quality.coverage_{g}": Drill(
            f"{g.title()} and their reviews", ["Person", "Reviews", "Reviewed"], _coverage(g)
        )
        for g in quality.COVERAGE_ROLES
    },
}


def text_of(cell: Cell) -> Any:
    return cell[0] if isinstance(cell, tuple) else cell
