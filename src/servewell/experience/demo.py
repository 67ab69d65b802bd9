"""Demo experience data for ``servewell demo``: customer surveys over the desk demo's
solved conversations (CSAT near 87 %, a few low ratings with a recovery action, NPS
answers), three closed pulse rounds per team (plus one round of Technical Support with
too few answers, to show suppression) and kudos between people, leads and the manager
included.

Everything goes through the domain functions with times in the past. Idempotent: once a
pulse round exists, a second run adds nothing. Nothing is mailed (``surveys.claim_and_prepare``
gives the links without sending).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from servewell.desk.models import Conversation, Status
from servewell.experience import kudos, pulse, recovery, surveys
from servewell.experience.models import PulseRound, Survey, SurveyKind
from servewell.people.models import Membership, Team, User

CSAT_WEIGHTS = [(5, 62), (4, 25), (3, 6), (2, 4), (1, 3)]
ANSWER_SHARE = 0.62
GOOD = [
    "Quick and friendly, thank you!",
    "Sorted in one reply. Brilliant.",
    "Really patient with me, much appreciated.",
    "",
    "",
    "Thank you for calling me back as promised.",
]
BAD = [
    "I had to write three times before anyone understood the problem.",
    "Still waiting for the refund, very disappointed.",
    "Nobody told me the delivery was delayed.",
]
KUDOS = [
    ("liam", "aisha", "ownership", "Took the warehouse outage from start to finish."),
    ("maria", "liam", "teamwork", "Covered the Orders queue on Friday without being asked."),
    ("liam", "maria", "courage", "Said no to the unrealistic promise and explained why."),
    ("aisha", "lena", "empathy", "Talked me through a very angry caller. Thank you."),
    ("tara", "maria", "craft", "Her macro rewrite halved our follow-up questions."),
    ("maria", "tom", "ownership", "Ran the evening shift rota through the holidays."),
]


def _work_hours(at: dt.datetime) -> dt.datetime:
    if at.hour < 9:
        return at.replace(hour=9, minute=at.minute % 50)
    if at.hour >= 18:
        return (at + dt.timedelta(days=1)).replace(hour=10, minute=at.minute % 50)
    return at


def load_experience_demo() -> dict[str, int]:
    if PulseRound.objects.exists():
        return {"surveys": 0, "rounds": 0, "kudos": 0}
    rng = random.Random(60)  # noqa: S311 - demo data, reproducible
    now = timezone.now()
    with transaction.atomic():
        answered = _surveys(rng, now)
        rounds = _pulse(rng, now)
        given = _kudos(now)
    return {"survey answers": answered, "rounds": rounds, "kudos": given}


def _surveys(rng: random.Random, now: dt.datetime) -> int:
    solved = Conversation.objects.filter(
        status__in=[Status.SOLVED, Status.CLOSED], solved_at__isnull=False, merged_into__isnull=True
    ).order_by("solved_at", "id")
    answered = 0
    for conversation in solved:
        survey = surveys.schedule_survey(conversation.pk, now=conversation.solved_at)
        if survey is None or survey.due_at >= now:
            continue
        survey = (
            Survey.objects.select_related("conversation__team", "contact")
            .prefetch_related("contact__emails")
            .get(pk=survey.pk)
        )
        sent = surveys.claim_and_prepare([survey], survey.due_at)
        out = sent[0] if sent else None
        if out is None or rng.random() > ANSWER_SHARE:
            continue
        at = _work_hours(survey.due_at + dt.timedelta(minutes=rng.randint(15, 600)))
        if at >= now:
            continue
        answered += _answer(rng, out, at, now)
    return answered


def _answer(rng: random.Random, out: surveys.Outgoing, at: dt.datetime, now: dt.datetime) -> int:
    score = rng.choices([s for s, _ in CSAT_WEIGHTS], [w for _, w in CSAT_WEIGHTS])[0]
    comment = rng.choice(BAD) if score <= 2 else rng.choice(GOOD)
    again = "yes" if score >= 4 else rng.choice(["unsure", "no"])
    response = surveys.record_answer(
        out.token, score=score, comment=comment, would_return=again, now=at
    )
    if response.negative and hasattr(response, "recovery") and rng.random() < 0.8:
        lead = recovery.leads_of(None, response.team_id)
        action_at = at + dt.timedelta(minutes=rng.randint(10, 120))
        if lead and action_at < now:
            recovery.record_action(
                response.conversation_id, action="replied", actor_id=lead[0].pk, at=action_at
            )
    if out.nps is not None and rng.random() < 0.5:
        nps = rng.choices(range(11), [1, 1, 1, 1, 2, 2, 4, 8, 14, 18, 16])[0]
        surveys.record_answer(out.nps_token, score=nps, now=at)
    return 1


def _pulse(rng: random.Random, now: dt.datetime) -> int:
    rounds = 0
    for team in Team.objects.filter(is_active=True).order_by("id"):
        members = list(User.objects.filter(memberships__team=team, is_active=True).order_by("id"))
        if len(members) < pulse.K_MIN:
            continue
        extra = 1 if team.name == "Technical Support" else 0
        for n in range(3 + extra):
            opened = _work_hours(now - dt.timedelta(days=14 * (3 + extra - n) + 9))
            item = pulse.open_round(None, team, now=opened)
            low = extra and n == 3
            people = (
                members[: pulse.K_MIN] if low else rng.sample(members, max(5, len(members) - 2))
            )
            for person in people[: len(members)]:
                enps = rng.choices(range(11), [1, 1, 1, 1, 2, 3, 5, 10, 14, 12, 8])[0]
                again = rng.choices(["yes", "unsure", "no"], [7, 2, 1])[0]
                comment = rng.choice(
                    [
                        "",
                        "",
                        "More time for the hard cases, please.",
                        "The new macros help a lot.",
                        "Proud of this team.",
                    ]
                )
                pulse.answer(
                    person,
                    item.pk,
                    enps=enps,
                    again=again,
                    supported=rng.choice([3, 4, 4, 5, 5]),
                    comment=comment,
                    now=opened + dt.timedelta(days=1),
                )
            pulse.close_round(None, item, now=opened + dt.timedelta(days=7))
            rounds += 1
    return rounds


def _kudos(now: dt.datetime) -> int:
    people = {u.username: u for u in User.objects.filter(is_active=True)}
    given = 0
    for i, (giver, receiver, value, message) in enumerate(KUDOS):
        if (
            giver in people
            and receiver in people
            and kudos.may_give(people[giver], people[receiver])
        ):
            kudos.give_kudos(
                people[giver],
                people[receiver],
                value=value,
                message=message,
                now=_work_hours(now - dt.timedelta(days=2 + 5 * i, hours=3)),
            )
            given += 1
    praise = (
        Survey.objects.filter(kind=SurveyKind.CSAT, response__score=5, handler__isnull=False)
        .exclude(response__comment="")
        .select_related("response__handler")
        .order_by("id")[:3]
    )
    lead = Membership.objects.filter(is_lead=True).select_related("user").first()
    for survey in praise:
        if lead is not None:
            kudos.pass_on(lead.user, survey.response, now=survey.response.responded_at)
            given += 1
    return given
