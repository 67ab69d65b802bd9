"""Weekly sampling: everyone who handled conversations is sampled; nobody reviews
themselves; the load is spread evenly; filters apply."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from servewell.core.errors import DomainError
from servewell.desk.models import Conversation
from servewell.people.models import Role
from servewell.people.tests.factories import make_person
from servewell.quality import reports, reviews, sampling
from servewell.quality.models import ReviewAssignment
from servewell.quality.tests.factories import NOW, full_answers, handled

# NOW is Wednesday 13 May 2026; "last week" is Monday 4 to Monday 11 May.
LAST_WEEK = dt.datetime(2026, 5, 6, 9, 0, tzinfo=dt.UTC)


def solved_last_week(team, person, n, *, channel="email", hours=1, **kw):
    return [
        handled(
            team,
            person,
            channel=channel,
            opened=LAST_WEEK,
            solved=LAST_WEEK + dt.timedelta(hours=hours),
            email=f"{person.username if person else 'x'}{n}-{i}-{channel}@example.com",
            **kw,
        )
        for i in range(n)
    ]


@pytest.fixture
def plan(card):
    return sampling.create_plan(None, name="Weekly", scorecard=card, per_person=2, now=NOW)


def test_previous_week_is_monday_to_monday_utc():
    assert sampling.previous_week(NOW) == (
        dt.datetime(2026, 5, 4, tzinfo=dt.UTC),
        dt.datetime(2026, 5, 11, tzinfo=dt.UTC),
    )


def test_a_lead_who_handles_conversations_is_sampled_and_reported_like_an_agent(
    plan, care, alice, lena, quinn, maria, version
):
    solved_last_week(care, alice, 3)
    solved_last_week(care, lena, 3)
    run = sampling.run_sampling(maria, plan, now=NOW, seed=7)
    per_person = Counter(a.reviewee for a in run.assignments.all())
    assert per_person == {alice: 2, lena: 2}
    assert run.people == 2 and run.assigned == 4
    # Nobody gets their own conversations.
    assert not run.assignments.filter(reviewer=lena, reviewee=lena).exists()

    assignment = run.assignments.filter(reviewee=lena).first()
    review = reviews.start_review(
        assignment.reviewer,
        assignment.conversation,
        version=assignment.version,
        reviewee=lena,
        assignment=assignment,
        now=NOW,
    )
    reviews.submit_review(assignment.reviewer, review, now=NOW, answers=full_answers(version))
    assignment.refresh_from_db()
    assert assignment.state == "done"
    people = reports.iqs_by_person(maria, quarter=20262)
    assert [(r["name"], r["reviews"], r["iqs"]) for r in people] == [("Lena", 1, 100.0)]


def test_the_load_is_spread_evenly_and_never_to_oneself(plan, care, quinn, maria):
    reviewers = [quinn, maria, make_person("qa2", [Role.QA])]
    agents = [make_person(f"agent{i}", [Role.AGENT], team=care) for i in range(6)]
    for agent in agents:
        solved_last_week(care, agent, 3)
    run = sampling.run_sampling(None, plan, now=NOW, seed=1)
    load = Counter(a.reviewer_id for a in run.assignments.all())
    assert sum(load.values()) == 12
    assert set(load) == {r.pk for r in reviewers}
    assert max(load.values()) - min(load.values()) <= 1


def test_a_reviewer_who_handled_conversations_never_reviews_them(card, care, lena, quinn):
    # Lena (a lead) and Quinn (QA) are the only reviewers; Lena's work must go to Quinn.
    plan = sampling.create_plan(None, name="All", scorecard=card, per_person=5, now=NOW)
    solved_last_week(care, lena, 4)
    run = sampling.run_sampling(None, plan, now=NOW, seed=3)
    assert set(run.assignments.values_list("reviewer", flat=True)) == {quinn.pk}


def test_a_lead_only_gets_conversations_of_teams_they_see(card, care, orders, bob, lena):
    plan = sampling.create_plan(None, name="All", scorecard=card, per_person=5, now=NOW)
    solved_last_week(orders, bob, 2)
    run = sampling.run_sampling(None, plan, now=NOW, seed=3)
    assert run.assigned == 0
    assert "no eligible reviewer" in " ".join(run.notes)


def test_sampled_conversations_are_not_sampled_again(plan, care, alice, quinn):
    solved_last_week(care, alice, 3)
    first = sampling.run_sampling(None, plan, now=NOW, seed=1)
    second = sampling.run_sampling(None, plan, now=NOW, seed=2)
    third = sampling.run_sampling(None, plan, now=NOW, seed=3)
    assert (first.assigned, second.assigned, third.assigned) == (2, 1, 0)


def test_the_same_seed_picks_the_same_conversations(plan, care, alice, quinn):
    solved_last_week(care, alice, 10)
    picks = [
        sampling.pick(sampling.candidates(plan, *sampling.previous_week(NOW))[0], 3, seed)
        for seed in (11, 11, 12)
    ]
    assert picks[0] == picks[1]
    assert len(picks[0]) == 3


def test_filters_channel_and_long_handling(card, care, alice, quinn):
    solved_last_week(care, alice, 2, channel="phone", hours=30)
    solved_last_week(care, alice, 2, channel="email", hours=30)
    solved_last_week(care, alice, 2, channel="phone", hours=2)
    plan = sampling.create_plan(
        None,
        name="Long calls",
        scorecard=card,
        per_person=10,
        channels=["phone"],
        min_handling_hours=24,
        now=NOW,
    )
    run = sampling.run_sampling(None, plan, now=NOW, seed=5)
    picked = Conversation.objects.filter(quality_assignments__run=run)
    assert picked.count() == 2
    assert {c.channel for c in picked} == {"phone"}


def test_low_rating_filter_is_skipped_without_rating_data_and_used_with_it(
    card, care, alice, quinn, monkeypatch
):
    monkeypatch.setattr(sampling.RATING_SOURCES, "_items", [])  # no app offers ratings
    convs = solved_last_week(care, alice, 4)
    plan = sampling.create_plan(
        None, name="Unhappy", scorecard=card, per_person=10, low_rating_max=2, now=NOW
    )
    run = sampling.run_sampling(None, plan, now=NOW, seed=5)
    assert run.assigned == 4 and "rating filter was skipped" in " ".join(run.notes)

    ReviewAssignment.objects.all().delete()
    rated_low = [convs[0].pk]

    def ratings(max_rating):
        return Conversation.objects.filter(pk__in=rated_low).values("pk")

    with sampling.RATING_SOURCES.added(ratings):
        run = sampling.run_sampling(None, plan, now=NOW, seed=5)
    assert list(run.assignments.values_list("conversation", flat=True)) == rated_low


def test_conversations_outside_the_period_or_unhandled_are_left_out(plan, care, alice, quinn):
    handled(care, alice, opened=LAST_WEEK, solved=NOW, email="late@example.com")
    handled(care, None, opened=LAST_WEEK, solved=LAST_WEEK, email="nobody@example.com")
    handled(care, alice, opened=LAST_WEEK, email="open@example.com")
    assert sampling.run_sampling(None, plan, now=NOW, seed=1).assigned == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"per_person": 0}, "per_person"),
        ({"per_person": 51}, "per_person"),
        ({"channels": ["fax"]}, "channels"),
        ({"low_rating_max": 6}, "low_rating_max"),
        ({"min_handling_hours": -1}, "min_handling_hours"),
        ({"scorecard": None}, "scorecard"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_plans_are_refused(card, data, field):
    values = {"name": "P", "scorecard": card, **data}
    with pytest.raises(DomainError) as err:
        sampling.create_plan(None, now=NOW, **values)
    assert err.value.field == field


def test_the_weekly_job_runs_every_active_plan(plan, care, alice, quinn):
    from django.utils import timezone

    from servewell.quality import tasks

    start, _ = sampling.previous_week(timezone.now())
    handled(care, alice, opened=start, solved=start + dt.timedelta(hours=1))
    tasks.weekly_sampling.call_local()
    assert ReviewAssignment.objects.get().reviewee == alice
