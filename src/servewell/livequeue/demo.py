"""Demo alarms for ``servewell demo``: each team's rules, and a few weeks of alarm
history in which agents, their leads and the manager answered "I'm on it".

Built through the alarm's own functions with past times. Answering an alarm sets the
person available; the demo puts everyone's presence back as the people demo set it.
Idempotent: once a team has rules, a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from servewell.livequeue import alarm, rules
from servewell.livequeue.models import AlarmRule
from servewell.people.access import people_only
from servewell.people.models import Membership, Role, Team, User

ALARMS_PER_TEAM = 4


@transaction.atomic
def load_queue_demo() -> dict[str, int]:
    if AlarmRule.objects.exists():
        return {"alarms": 0}
    rng = random.Random(11)  # noqa: S311 - demo data, reproducible
    now = timezone.now()
    presence = dict(people_only().values_list("pk", "presence"))
    managers = list(people_only(User.objects.filter(role_grants__role=Role.MANAGER)).distinct())
    made = 0
    for team in Team.objects.order_by("id"):
        rule = rules.create_rule(
            None, team, kind="waiting", threshold=5, clear_threshold=2, notify_org=False
        )
        rules.create_rule(None, team, kind="longest_wait", threshold=300, clear_threshold=120)
        for n in range(ALARMS_PER_TEAM):
            made += _incident(rng, team, rule, managers, now - dt.timedelta(days=3 + n * 6))
    for pk, state in presence.items():
        User.objects.filter(pk=pk).update(presence=state)
    return {"alarms": made}


def _incident(rng, team, rule, managers, day) -> int:  # type: ignore[no-untyped-def]
    """A lunchtime rush: raised, answered within minutes by agents, the lead and (every
    other time) a manager, cleared a quarter of an hour later."""
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    start = day.replace(hour=12, minute=rng.randint(0, 40), second=0, microsecond=0)
    waiting = rng.randint(6, 11)
    raised = alarm.raise_alarm(
        team,
        rule,
        value=waiting,
        now=start,
        snapshot={"waiting": waiting, "longest_wait_s": rng.randint(180, 420)},
    )
    if raised is None:
        return 0
    members = Membership.objects.filter(team=team).select_related("user")
    leads = [m.user for m in members if m.is_lead]
    agents = [m.user for m in members if not m.is_lead]
    who = [*leads, *rng.sample(agents, min(3, len(agents)))]
    if managers and rng.random() < 0.6:
        who.append(rng.choice(managers))
    at = start
    for person in who:
        at += dt.timedelta(seconds=rng.randint(20, 150))
        alarm.respond(raised, person, now=at)
    alarm.clear_alarm(
        raised,
        now=at + dt.timedelta(minutes=rng.randint(8, 20)),
        snapshot={"waiting": 1, "longest_wait_s": 40},
    )
    return 1
