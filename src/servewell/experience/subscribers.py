"""What the experience app derives from the desk's events: a solve schedules a survey;
a reply, a note or a reopen after a low rating is the first recovery action."""

from __future__ import annotations

from servewell.core import events
from servewell.desk import conversations as desk
from servewell.desk.models import Status

SOLVED = (Status.SOLVED, Status.CLOSED)


@events.subscribe(desk.CONVERSATION_UPDATED, desk.MESSAGE_REPLIED, durable=True)
def schedule_on_solve(event: events.Event) -> None:
    from servewell.experience import surveys

    if event.payload.get("status") in SOLVED:
        surveys.schedule_survey(event.payload["conversation"], now=event.occurred_at)


@events.subscribe(desk.MESSAGE_REPLIED, desk.NOTE_ADDED, desk.CONVERSATION_UPDATED, durable=True)
def first_recovery_action(event: events.Event) -> None:
    from servewell.experience import recovery

    payload = event.payload
    action = {
        desk.MESSAGE_REPLIED: "replied",
        desk.NOTE_ADDED: "note",
        desk.CONVERSATION_UPDATED: "updated",
    }[event.name]
    if event.name == desk.CONVERSATION_UPDATED and payload.get("status") in SOLVED:
        return  # solving it again is not an action towards the customer
    actor = payload.get("author") or None
    recovery.record_action(
        payload["conversation"], action=action, actor_id=actor, at=event.occurred_at
    )
