"""The commitments' views in the desk inbox: "Due soon" and "Breached".

Both page by keyset on the clock's (due_at, id): the cursor is the last row's clock,
and a page is one query that stops after ``limit`` rows — no OFFSET, so page 1,000
costs what page 1 does. Two shapes, by what the filters leave:

- a team's or the organisation's conversations: walk the unmet clocks in order along a
  partial index (``sla_unmet_due``) and look up each one's
  conversation by its key for the team scope and the filters;
- a person's or a tag's: start from those few conversations and sort their clocks.

A conversation with two qualifying clocks (a response and resolution) is shown
once, at its earliest: a clock is a row only when no qualifying clock of the same
conversation comes before it in (due_at, id) order — an index lookup per row, and a
stable keyset, since a conversation's place does not depend on the page it falls on.

The desk does not import this module: ``CommitmentsConfig.ready()`` calls ``register``.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q

from servewell.commitments.models import UNMET_LATE, ClockState, SlaClock
from servewell.desk import queries
from servewell.desk.models import Conversation

DUE_SOON = "due_soon"
BREACHED = "breached"


def due_soon(now: datetime) -> Q:  # noqa: ARG001 - the views' one signature
    """Running, whatever the target (first response, the next answer the customer waits
    for since writing again, resolution) and whether or not it is already missed.

    A conversation's place is its earliest running target, the one the Due column shows:
    ranking it by a later target that is still ahead put "overdue" rows between future
    times. Overdue ones therefore come first, the most overdue first.

    ``UNMET_LATE`` spells the condition of the ``sla_unmet_due`` index word for word:
    SQLite uses a partial index only when the query repeats it.
    """
    return UNMET_LATE & Q(state=ClockState.RUNNING)


def breached(now: datetime) -> Q:
    """Unmet and past its target, whatever its kind.

    Running past ``due_at`` is breached, whether or not the sweep got to it yet. A paused
    clock keeps the ``due_at`` it had when it paused, so a past one only says it may be
    late: it is when the sweep recorded the breach, or when it paused with no time left
    (``UNMET_LATE``, the condition of the ``sla_unmet_due`` index). Every breached clock
    has its ``due_at`` in the past: resuming or retargeting a late clock sets it to then.
    """
    return UNMET_LATE & Q(due_at__lte=now)


def _narrow(filters: queries.InboxFilters) -> bool:
    """A person's or a tag's open conversations are few (the desk indexes the first)."""
    return bool(filters.tag) or filters.assignee not in ("", "none")


def _rows(request: queries.ViewRequest, target: Q) -> list[queries.ViewRow]:
    if _narrow(request.filters):
        # Start from those few conversations and sort their clocks: walking every late
        # clock of the organisation for the three that are mine would take seconds.
        clocks = SlaClock.objects.filter(target, request.conversations("conversation__"))
    else:
        # Walk the clocks in order and ask about each one's conversation by its key, in
        # a correlated EXISTS. Joined instead, SQLite without statistics starts from the
        # team's open conversations (an index equality it guesses is small) and sorts
        # every clock of them: half a second at a million conversations.
        visible = Conversation.objects.filter(
            request.conversations(), pk=OuterRef("conversation_id")
        )
        clocks = SlaClock.objects.filter(target, Exists(visible))
    earlier = SlaClock.objects.filter(target, conversation_id=OuterRef("conversation_id")).filter(
        Q(due_at__lt=OuterRef("due_at")) | Q(due_at=OuterRef("due_at"), id__lt=OuterRef("id"))
    )
    clocks = clocks.filter(~Exists(earlier))
    if request.after is not None:
        when, pk = request.after
        # The redundant ``due_at >= when`` is the bound the index range starts from.
        clocks = clocks.filter(due_at__gte=when).exclude(due_at=when, id__lte=pk)
    ordered = clocks.order_by("due_at", "id").values_list("conversation_id", "due_at", "id")
    return list(ordered[: request.limit])


def due_soon_rows(request: queries.ViewRequest) -> list[queries.ViewRow]:
    return _rows(request, due_soon(request.now))


def breached_rows(request: queries.ViewRequest) -> list[queries.ViewRow]:
    return _rows(request, breached(request.now))


VIEWS = (
    queries.ViewSpec(
        key=DUE_SOON,
        label="Due soon",
        rows=due_soon_rows,
        caption="Open conversations with a running target, the earliest due first "
        "(those already overdue at the top)",
    ),
    queries.ViewSpec(
        key=BREACHED,
        label="Breached",
        rows=breached_rows,
        caption="Open conversations with a missed target, the most overdue first",
    ),
)
