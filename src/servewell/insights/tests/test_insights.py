"""Insights against a hand-built organisation: known clocks and calls → exact figures,
rollups equal to live computation, filters refused clearly, the digest sent once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from servewell.commitments.models import ClockKind, ClockState, SlaClock
from servewell.core.contract import FigureQuery
from servewell.desk.tests.factories import make_conversation
from servewell.insights import dashboard, digest, filters, rollups
from servewell.insights.models import DigestSent, Rollup
from servewell.insights.router import ReportsRouter, reports_db
from servewell.livequeue.models import Call, CallState

NOW = dt.datetime(2026, 3, 16, 7, 30, tzinfo=dt.UTC)  # a Monday
DAY = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)  # in "last week"
WEEK = FigureQuery(dt.datetime(2026, 3, 9, tzinfo=dt.UTC), dt.datetime(2026, 3, 16, tzinfo=dt.UTC))


def _clock(conversation, *, taken: float | None, target: int = 3600, breached: bool = False):
    return SlaClock.objects.create(
        conversation=conversation,
        team=conversation.team,
        kind=ClockKind.FIRST_RESPONSE,
        target_seconds=target,
        state=ClockState.MET if taken is not None else ClockState.RUNNING,
        started_at=DAY,
        due_at=DAY + dt.timedelta(seconds=target),
        warn_at=DAY,
        met_at=DAY + dt.timedelta(seconds=taken or 0) if taken is not None else None,
        business_seconds_taken=taken,
        breached_at=DAY + dt.timedelta(seconds=target) if breached else None,
    )


@pytest.fixture
def organisation(care, orders, alice, lena):
    conversations = [make_conversation(care, subject=f"Case {i}", now=DAY) for i in range(6)]
    for c, taken in zip(conversations, [600, 1200, 1800, 3000, 5400], strict=False):
        _clock(c, taken=taken, breached=taken > 3600)
    _clock(conversations[5], taken=None, breached=True)
    other = make_conversation(orders, subject="Elsewhere", now=DAY)
    _clock(other, taken=60)
    for i, (state, wait) in enumerate(
        [
            (CallState.COMPLETED, 10),
            (CallState.COMPLETED, 30),
            (CallState.ABANDONED, 40),
            (CallState.COMPLETED, 50),
        ]
    ):
        Call.objects.create(call_id=f"c{i}", team=care, state=state, joined_at=DAY, wait_s=wait)
    return conversations


def _figure(key):
    return next(f for f in dashboard.contract.figures() if f.key == key)


def test_responsiveness_figures_are_exact_for_the_hand_built_team(organisation, care):
    q = FigureQuery(WEEK.start, WEEK.end, [care.pk])
    assert _figure("responsiveness.first_response_median").compute(q) == 1800
    assert _figure("responsiveness.first_response_p90").compute(q) == 5400
    assert _figure("responsiveness.within_commitment").compute(q) == pytest.approx(4 / 5)
    assert _figure("responsiveness.breaches").compute(q) == 2


def test_queue_figures_are_the_metrics_pages_own(organisation, care):
    q = FigureQuery(WEEK.start, WEEK.end, [care.pk])
    # default settings: 20 s service level, short abandons under 5 s excluded
    assert _figure("queue.service_level").compute(q) == pytest.approx(1 / 4)
    assert _figure("queue.abandonment").compute(q) == pytest.approx(1 / 4)
    assert _figure("queue.asa").compute(q) == pytest.approx(30)


def test_rollups_agree_with_live_computation_to_the_unit(organisation, care):
    rollups.rebuild(dt.date(2026, 3, 1), dt.date(2026, 3, 16), now=NOW)
    q = FigureQuery(WEEK.start, WEEK.end, (care.pk,))
    for figure in rollups.rolled_figures():
        if figure.key.split(".")[0] not in ("responsiveness", "queue", "quality"):
            continue
        sums = rollups.daily_sums([figure.key], q, dt.date(2026, 3, 9), dt.date(2026, 3, 16))
        rolled = rollups.value_of(figure, sums.get(figure.key, {}).values())
        live = figure.compute(q)
        if figure.unit != "count" and live is not None:
            live *= figure.scale
        assert rolled == pytest.approx(live), figure.key


def test_rebuilding_twice_adds_nothing(organisation):
    rollups.rebuild(dt.date(2026, 3, 1), dt.date(2026, 3, 16), now=NOW)
    first = Rollup.objects.count()
    rollups.rebuild(dt.date(2026, 3, 1), dt.date(2026, 3, 16), now=NOW)
    assert Rollup.objects.count() == first > 0


@pytest.mark.parametrize(
    "params, field",
    [
        ({"colour": "red"}, "colour"),
        ({"period": "decade"}, "period"),
        ({"period": "custom", "start": "2016-01-01", "end": "2026-01-01"}, "end"),
        ({"period": "custom", "start": "2026-02-30", "end": "2026-03-01"}, "start"),
        ({"team": "abc"}, "team"),
    ],
)
def test_bad_filters_are_refused_with_the_field(lena, params, field):
    with pytest.raises(filters.FilterError) as caught:
        filters.parse(params, lena, now=NOW)
    assert caught.value.field == field


def test_a_lead_may_not_filter_to_another_teams_person_or_team(lena, bob, orders):
    with pytest.raises(filters.FilterError):
        filters.parse({"person": bob.pk}, lena, now=NOW)
    with pytest.raises(filters.FilterError):
        filters.parse({"team": orders.pk}, lena, now=NOW)


def test_dashboard_page_and_bad_input(client_as, lena, organisation, django_assert_max_num_queries):
    client = client_as(lena)
    response = client.get("/insights/?period=last_month")
    assert response.status_code == 200
    assert b"Responsiveness" in response.content and b"Academy" in response.content
    assert client.get("/insights/?period=custom&start=x&end=y").status_code == 400
    assert client.get("/insights/?nonsense=1").status_code == 400
    assert client.get("/insights/drill/?figure=nope").status_code == 404
    assert client.get("/insights/?format=csv")["Content-Type"].startswith("text/csv")


def test_breach_drill_lists_exactly_the_breached_conversations(client_as, lena, organisation, care):
    response = client_as(lena).get(
        f"/insights/drill/?figure=responsiveness.breaches&team={care.pk}"
        "&period=custom&start=2026-03-09&end=2026-03-15"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Case 4" in body and "Case 5" in body
    assert "Case 0" not in body and "Elsewhere" not in body


def test_api_dashboard_and_bad_filter(api, lena, organisation):
    response = api(lena).get("/api/insights/dashboard/?period=last_week")
    assert response.status_code == 200
    assert {g["key"] for g in response.json()["groups"]} >= {"responsiveness", "queue"}
    assert api(lena).get("/api/insights/dashboard/?period=century").status_code == 400


def test_an_agent_may_not_open_the_dashboard(client_as, alice):
    assert client_as(alice).get("/insights/").status_code == 403


def test_digest_goes_once_a_week_at_seven_local_and_respects_opt_out(lena, maria, organisation):
    lena.email, maria.email = "lena@example.org", "maria@example.org"
    lena.save()
    maria.save()
    care_tz = digest.time_zone_of(lena)
    local_seven = dt.datetime(2026, 3, 16, 7, 0, tzinfo=care_tz).astimezone(dt.UTC)
    assert digest.send(lena, now=local_seven, week=dt.date(2026, 3, 16))
    assert not digest.send(lena, now=local_seven, week=dt.date(2026, 3, 16))
    message = mail.outbox[-1]
    assert message.alternatives and "<script" not in message.alternatives[0][0]
    digest.opt_out(maria, now=NOW)
    assert maria not in digest.recipients()
    assert DigestSent.objects.filter(user=lena).count() == 1


def test_reports_read_from_the_replica_alias_when_it_is_configured(settings):
    router = ReportsRouter()
    assert reports_db() == "default"
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    assert router.db_for_read(Rollup) == "replica"
    assert router.db_for_write(Rollup) == "default"
    assert router.allow_migrate("replica", "insights") is False


def test_figures_read_as_a_leader_says_them():
    from servewell.insights.dashboard import shown

    assert shown("s", 2580.0) == "43 min"
    assert shown("s", 45) == "45 s"
    assert shown("s", 7200) == "2.0 h"
    assert shown("s", -600, signed=True) == "-10 min"
    assert shown("%", 81.25) == "81.2 %"
    assert shown("count", 1234) == "1,234"
    assert shown("count", 3, signed=True) == "+3"
    assert shown("", None) == "—"
