"""The list behind each figure of the existing capabilities, with the same filters:
the conversations, calls, alarms, responses, reviews or people it counts. Each list
comes from the capability's own figure module, so it counts exactly what the figure
counts. Rows are capped on screen (``LIMIT``, cut in the query: a page never fetches
more than it shows); the CSV streams them all."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from servewell.commitments import figures as commitments
from servewell.core.contract import FigureQuery
from servewell.desk.models import Conversation
from servewell.livequeue import figures as livequeue
from servewell.livequeue.models import AlarmResponse, Call
from servewell.people.models import User
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


def _person(path: str) -> list[str]:
    """The person's id, then the columns ``str(user)`` reads (see ``_Names``)."""
    return [f"{path}_id", *_names(path)]


class _Names:
    """``str(user)`` of a listed person from their joined columns, made once per person.

    The lists read rows as tuples: building a model instance per row and per related
    object cost more than the query itself. The name still comes from ``User.__str__``."""

    def __init__(self) -> None:
        self._seen: dict[int, str] = {}

    def __call__(self, pk: int | None, columns: Iterable[Any], *, none: str) -> str:
        if pk is None:
            return none
        name = self._seen.get(pk)
        if name is None:
            name = self._seen[pk] = str(User(pk=pk, **dict(zip(NAME, columns, strict=True))))
        return name


def _display(field: Any) -> dict[Any, str]:
    """What ``get_<field>_display()`` shows for each stored value of ``field``."""
    return {value: str(label) for value, label in field.flatchoices}


_STATUS = _display(Conversation._meta.get_field("status"))
_CALL_STATE = _display(Call._meta.get_field("state"))


def _conversation(pk: int, subject: str) -> tuple[str, str]:
    return (f"#{pk} {subject}", reverse("desk-conversation", args=[pk]))


def _met(q: FigureQuery, limit: int | None) -> Iterable[list[Cell]]:
    clocks = (
        commitments.met_clocks(q)
        .order_by("met_at", "id")
        .values_list(
            "conversation_id",
            "conversation__subject",
            "team__name",
            "business_seconds_taken",
            "target_seconds",
            "met_at",
            *_person("responder"),
        )
    )
    names = _Names()
    for pk, subject, team, taken, target, met_at, responder, *name in _cap(clocks, limit):
        taken = taken or 0.0
        yield [
            _conversation(pk, subject),
            team,
            names(responder, name, none="—"),
            round(taken),
            target,
            "yes" if taken <= target else "no",
            met_at.isoformat(),
        ]


def _breached(q: FigureQuery, limit: int | None) -> Iterable[list[Cell]]:
    clocks = (
        commitments.breached_clocks(q)
        .order_by("breached_at", "id")
        .values_list(
            "conversation_id",
            "conversation__subject",
            "conversation__status",
            "team__name",
            "breached_at",
            *_person("conversation__assignee"),
        )
    )
    names = _Names()
    for pk, subject, status, team, breached_at, assignee, *name in _cap(clocks, limit):
        yield [
            _conversation(pk, subject),
            team,
            names(assignee, name, none="unassigned"),
            breached_at.isoformat(),
            _STATUS.get(status, status),
        ]


def _backlog(q: FigureQuery, limit: int | None) -> Iterable[list[Cell]]:
    rows = (
        commitments.backlog_conversations(q)
        .order_by("created_at", "id")
        .values_list("id", "subject", "team__name", "created_at", "status", *_person("assignee"))
    )
    names = _Names()
    for pk, subject, team, created_at, status, assignee, *name in _cap(rows, limit):
        yield [
            _conversation(pk, subject),
            team,
            names(assignee, name, none="unassigned"),
            created_at.isoformat(),
            _STATUS.get(status, status),
        ]


def _calls(q: FigureQuery, limit: int | None) -> Iterable[list[Cell]]:
    calls = Call.objects.filter(joined_at__gte=q.start, joined_at__lt=q.end)
    if q.team_ids is not None:
        calls = calls.filter(team_id__in=q.team_ids)
    calls = calls.order_by("joined_at", "id").values_list(
        "call_id",
        "team__name",
        "state",
        "joined_at",
        "wait_s",
        "talk_s",
        "agent_label",
        *_person("agent"),
    )
    names = _Names()
    for call_id, team, state, joined_at, wait_s, talk_s, label, agent, *name in _cap(calls, limit):
        yield [
            call_id,
            team,
            _CALL_STATE.get(state, state),
            joined_at.isoformat(),
            wait_s,
            talk_s,
            names(agent, name, none=label or "—"),
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
    reviews = (
        quality.reviews_in(q)
        .order_by("submitted_at", "id")
        .values_list(
            "id",
            "conversation_id",
            "conversation__subject",
            "team__name",
            "score",
            "submitted_at",
            *_person("reviewee"),
            *_person("reviewer"),
        )
    )
    names, width = _Names(), len(NAME) + 1
    for pk, conversation, subject, team, score, submitted_at, *people in _cap(reviews, limit):
        reviewee, reviewer = people[:width], people[width:]
        yield [
            (f"Review #{pk}", reverse("quality-review", args=[pk])),
            _conversation(conversation, subject),
            team,
            names(reviewee[0], reviewee[1:], none="None"),
            names(reviewer[0], reviewer[1:], none="None"),
            score,
            submitted_at.isoformat(),
        ]


def _coverage(group: str) -> Callable[[FigureQuery], Iterable[list[Cell]]]:
    def rows(q: FigureQuery, limit: int | None) -> Iterable[list[Cell]]:
        # Each person's counted reviews of the period, whatever the team filter: one probe
        # of the reviewee index per person listed, instead of joining every review ever
        # received and checking each against the period's.
        received = (
            quality.reviewed(FigureQuery(q.start, q.end))
            .order_by()
            .values("reviewee")
            .annotate(n=Count("pk"))
            .values("n")
        )
        people = quality.people_in_role(q, group).annotate(n=Coalesce(Subquery(received), 0))
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


def first_rows(drill: Drill, q: FigureQuery) -> tuple[list[list[Cell]], bool]:
    """The rows a page shows, and whether there are more: one row past the page is asked
    for instead of counting the period's rows, so exactly ``LIMIT`` rows are not "more"."""
    rows = list(drill.rows(q, LIMIT + 1))
    return rows[:LIMIT], len(rows) > LIMIT


def text_of(cell: Cell) -> Any:
    return cell[0] if isinstance(cell, tuple) else cell
