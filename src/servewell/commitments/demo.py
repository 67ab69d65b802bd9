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
    """The desk demo writes its conversations directly (no events, so no emails): start
    their clocks here, as of their own history."""
    from django.utils import timezone

    from servewell.commitments import sla
    from servewell.commitments.models import SlaClock
    from servewell.desk.models import Conversation

    started = 0
    todo = Conversation.objects.exclude(
        pk__in=SlaClock.objects.values("conversation_id")
    ).select_related("team")
    for conversation in todo.iterator():
        when = conversation.solved_at or timezone.now()
        if sla.start_clocks(conversation, now=when):
            started += 1
    return started
