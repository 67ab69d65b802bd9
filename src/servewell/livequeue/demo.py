"""Demo queue for ``servewell demo``: each team's rules, five weeks of calls, and a few
weeks of alarm history in which agents, their leads and the manager answered "I'm on it".

Built through the feed's and the alarm's own functions with past times: the calls are
telephony events (joined, answered or abandoned, completed) as a phone system sends them,
so the queue metrics and the insights tiles read what a real queue would leave. Answering
an alarm (or a call) sets the person's presence; the demo puts everyone's back as the
people demo set it.
Idempotent: once a team has rules, a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from servewell.livequeue import alarm, feed, rules
from servewell.livequeue.models import AlarmRule, EventKind
from servewell.people.access import people_only
from servewell.people.models import Membership, Role, Team, User

ALARMS_PER_TEAM = 4
#: Weekdays of call history, and calls per team on a weekday (09:00-17:00).
CALL_DAYS, CALLS_PER_DAY = 35, 36


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
    calls = sum(_call_history(rng, team, now) for team in Team.objects.order_by("id"))
    for pk, state in presence.items():
        User.objects.filter(pk=pk).update(presence=state)
    return {"alarms": made, "calls": calls}


def _call_history(rng: random.Random, team: Team, now: dt.datetime) -> int:
    """Weekday calls, busiest around lunch: most answered within the service level, a
    tail of longer waits on busy days, a few callers who hung up, and the lead taking
    some calls too. Each call's events go in one batch, so no call is left waiting."""
    members = list(Membership.objects.filter(team=team).select_related("user"))
    takers = [m.user for m in members for _ in range(1 if m.is_lead else 4)]
    if not takers:
        return 0
    made = 0
    for back in range(CALL_DAYS, 0, -1):
        day = now - dt.timedelta(days=back)
        if day.weekday() >= 5:
            continue
        busy = rng.random() < 0.2
        batch: list[feed.Incoming] = []
        for n in range(CALLS_PER_DAY + (12 if busy else 0)):
            hour = min(16, max(9, round(rng.gauss(12.5, 2.2))))
            joined = day.replace(
                hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0
            )
            call_id = f"demo-{team.pk}-{back}-{n}"
            caller = f"+44 20 7946 {rng.randint(0, 9999):04d}"
            wait = rng.expovariate(1 / (45 if busy else 14))
            batch.append(feed.Incoming(EventKind.JOINED, call_id, team, joined, caller=caller))
            if wait > 60 and rng.random() < 0.3:
                gone = joined + dt.timedelta(seconds=wait)
                batch.append(feed.Incoming(EventKind.ABANDONED, call_id, team, gone))
                made += 1
                continue
            answered = joined + dt.timedelta(seconds=wait)
            talk = rng.randint(90, 600)
            agent = rng.choice(takers)
            ended = answered + dt.timedelta(seconds=talk)
            batch += [
                feed.Incoming(EventKind.ANSWERED, call_id, team, answered, agent=agent),
                feed.Incoming(EventKind.COMPLETED, call_id, team, ended, agent=agent, talk_s=talk),
            ]
            made += 1
        feed.record_events(batch, now=now)
    return made


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
