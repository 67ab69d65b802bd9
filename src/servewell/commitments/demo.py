"""Demo targets: every demo team promises answers by priority, warns at 75 % and tells
its leads on a breach. Loaded before the demo conversations so their clocks start."""

from __future__ import annotations

from django.db import transaction

from servewell.commitments.models import Escalation, SlaPolicy, TeamCommitments
from servewell.people.models import Team

# priority: first response, next response, resolution (business minutes)
TARGETS = {
    "urgent": (30, 30, 240),
    "high": (120, 60, 960),
    "normal": (240, 240, 1920),
    "low": (480, 480, 4800),
}


@transaction.atomic
def load_commitments_demo() -> int:
    created = 0
    for team in Team.objects.all():
        for priority, (first, nxt, resolution) in TARGETS.items():
            policy, made = SlaPolicy.objects.get_or_create(
                team=team,
                priority=priority,
                defaults={
                    "first_response_minutes": first,
                    "next_response_minutes": nxt,
                    "resolution_minutes": resolution,
                },
            )
            if made:
                created += 1
                Escalation.objects.create(policy=policy, trigger="breach", action="notify")
                if priority in ("high", "urgent"):
                    Escalation.objects.create(policy=policy, trigger="warning", action="notify")
        TeamCommitments.objects.get_or_create(
            team=team, defaults={"public_page": team.name == "Customer Care"}
        )
    return created


def backfill_demo_clocks() -> int:
    """The desk demo writes its conversations as they ended. Here each one's clocks are
    run through its own history with the times it happened: started when it was opened,
    met by the person who replied, paused when it went pending (not now), resumed when the
    customer wrote, breached when its target passed. So a pending conversation is not
    overdue, each first response names its responder, and the sweep finds nothing left
    to announce."""
    from django.utils import timezone

    from servewell.commitments.models import SlaClock
    from servewell.desk.models import Conversation

    now = timezone.now()
    todo = (
        Conversation.objects.exclude(pk__in=SlaClock.objects.values("conversation_id"))
        .select_related("team")
        .prefetch_related("activities__actor", "messages__author")
        .order_by("created_at", "id")
    )
    started = 0
    for conversation in todo:
        with transaction.atomic():
            started += _replay(conversation, now)
    return started


def _replay(conversation, now) -> int:  # type: ignore[no-untyped-def]
    from servewell.commitments import sla
    from servewell.desk.models import Conversation, MessageKind, Status

    final = {
        "status": conversation.status,
        "first_response_at": conversation.first_response_at,
    }
    rows = Conversation.objects.filter(pk=conversation.pk)
    rows.update(status=Status.NEW, first_response_at=None)
    conversation.status, conversation.first_response_at = Status.NEW, None
    created = conversation.created_at
    if not sla.start_clocks(conversation, now=created):
        rows.update(**final)
        return 0
    call = next((m for m in conversation.messages.all() if m.kind == MessageKind.CALL), None)
    if call is not None:  # a phone call is its own first response
        sla.responded(conversation, at=created, responder=call.author)
    for activity in sorted(conversation.activities.all(), key=lambda a: (a.at, a.pk)):
        _record_breaches(conversation, activity.at)
        if activity.verb == "replied":
            sla.responded(conversation, at=activity.at, responder=activity.actor)
        elif activity.verb == "customer_wrote":
            rows.update(status=Status.OPEN)
            sla.customer_wrote(conversation, at=activity.at)
        elif activity.verb == "status_changed":
            rows.update(status=activity.data.get("to", final["status"]))
            sla.sync(conversation, now=activity.at)
    rows.update(**final)
    _record_breaches(conversation, now)
    return 1


def _record_breaches(conversation, moment) -> None:  # type: ignore[no-untyped-def]
    """What a sweep would have recorded by ``moment``, kept as history (nobody is told
    now of a target missed last month)."""
    from django.db.models import F

    from servewell.commitments.models import ClockState, SlaClock

    running = SlaClock.objects.filter(conversation=conversation, state=ClockState.RUNNING)
    running.filter(warned_at=None, warn_at__lte=moment).update(warned_at=F("warn_at"))
    running.filter(breached_at=None, due_at__lte=moment).update(breached_at=F("due_at"))
