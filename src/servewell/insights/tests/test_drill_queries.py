"""Every list behind a figure, and a cluster's conversations, costs the same number of
queries however many rows it lists: measured over a small and a four times larger
organisation, and bounded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servewell.commitments.models import ClockKind, ClockState, SlaClock
from servewell.desk.models import Conversation
from servewell.desk.tests.factories import make_conversation
from servewell.insights import clusters, drills, filters
from servewell.insights.models import ThemeCluster, ThemeRun
from servewell.livequeue.models import Alarm, AlarmResponse, Call, CallState, ResponderRole
from servewell.people.models import Role, User
from servewell.people.tests.factories import make_person
from servewell.quality import reviews
from servewell.quality.tests.factories import full_answers, handled, make_scorecard, version_of

DAY = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 3, 16, 7, 30, tzinfo=dt.UTC)
PERIOD = "period=custom&start=2026-03-09&end=2026-03-15"
BOUND = 15  # queries for one drill-down page, whatever it lists
SMALL, LARGE = 2, 8


class Organisation:
    def __init__(self, care, lena, quinn):
        self.care, self.lena, self.quinn = care, lena, quinn
        self.version = version_of(make_scorecard())
        self.n = 0
        self.conversations: list[int] = []

    def grow_to(self, n: int) -> None:
        for i in range(self.n, n):
            agent = make_person(f"agent{i}", [Role.AGENT], team=self.care)
            c = make_conversation(self.care, subject=f"Case {i}", now=DAY)
            self.conversations.append(c.pk)
            taken = 600.0 * (i + 1)
            SlaClock.objects.create(
                conversation=c,
                team=self.care,
                kind=ClockKind.FIRST_RESPONSE,
                target_seconds=3600,
                state=ClockState.MET,
                started_at=DAY,
                due_at=DAY + dt.timedelta(hours=1),
                warn_at=DAY,
                met_at=DAY + dt.timedelta(seconds=taken),
                business_seconds_taken=taken,
                breached_at=DAY + dt.timedelta(hours=1) if i % 2 else None,
                responder=agent,
            )
            Call.objects.create(
                call_id=f"q{i}",
                team=self.care,
                state=CallState.COMPLETED,
                joined_at=DAY,
                wait_s=10 + i,
                agent=agent,
            )
            alarm = Alarm.objects.create(
                team=self.care,
                rule_label=f"Queue over {i}",
                kind="waiting",
                raised_at=DAY,
                trigger_value=5,
            )
            AlarmResponse.objects.create(alarm=alarm, user=agent, role=ResponderRole.AGENT, at=DAY)
            review = reviews.start_review(
                self.quinn, handled(self.care, agent, opened=DAY), version=self.version, now=DAY
            )
            reviews.submit_review(self.quinn, review, now=DAY, answers=full_answers(self.version))
        self.n = n


def _measure(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.count(b"<tr>")


def _cluster_url(org: Organisation, viewer) -> str:
    chosen = filters.parse(
        {"period": "custom", "start": "2026-03-09", "end": "2026-03-15"}, viewer, now=NOW
    )
    ThemeRun.objects.filter(scope=clusters.scope_of(chosen.query())).delete()
    run = ThemeRun.objects.create(
        scope=clusters.scope_of(chosen.query()),
        start_day=chosen.start_day,
        end_day=chosen.end_day,
        requested_at=NOW,
        computed_at=NOW,
        sampled=org.n,
        total=org.n,
    )
    cluster = ThemeCluster.objects.create(
        run=run,
        rank=1,
        name="cases",
        count=org.n,
        previous=0,
        conversation_ids=list(org.conversations),
    )
    return f"/insights/themes/{cluster.pk}/?{PERIOD}"


@pytest.mark.django_db
def test_drill_down_queries_do_not_grow_with_the_rows(
    client_as, care, lena, quinn, maria, django_assert_max_num_queries
):
    org = Organisation(care, lena, quinn)
    client = client_as(maria)
    urls = {key: f"/insights/drill/?figure={key}&{PERIOD}" for key in drills.DRILLS}
    grows = {k for k in drills.DRILLS if not k.startswith("quality.coverage")}
    grows -= {"responsiveness.aging_backlog"}  # a snapshot as of today, not of the period

    org.grow_to(SMALL)
    urls["cluster"] = _cluster_url(org, maria)
    small = {key: _measure(client, url) for key, url in urls.items()}
    org.grow_to(LARGE)
    urls["cluster"] = _cluster_url(org, maria)
    large = {}
    for key, url in urls.items():
        with django_assert_max_num_queries(BOUND):
            large[key] = _measure(client, url)

    for key in urls:
        assert large[key][0] == small[key][0], f"{key}: {small[key][0]} → {large[key][0]}"
    for key in grows | {"cluster"}:
        assert large[key][1] > small[key][1], f"{key} lists no more rows with more data"


def _service_level_drill(org_people, client, monkeypatch, limit):
    """The page, CSV lines and API answer of the service-level drill over three calls,
    with ``limit`` rows to a page."""
    Organisation(*org_people).grow_to(3)
    monkeypatch.setattr(drills, "LIMIT", limit)
    url = f"/insights/drill/?figure=queue.service_level&{PERIOD}"
    page = client.get(url).content.decode()
    csv = client.get(f"{url}&format=csv").content.decode().strip().splitlines()
    api = client.get(f"/api/insights/drill/?figure=queue.service_level&{PERIOD}").json()
    return page, csv, api


def test_a_capped_list_shows_the_first_rows_and_the_csv_has_them_all(
    client_as, care, lena, quinn, maria, monkeypatch
):
    page, csv, api = _service_level_drill((care, lena, quinn), client_as(maria), monkeypatch, 2)
    assert "q0" in page and "q1" in page and "q2" not in page
    assert "The first 2 are shown" in page
    assert [line.split(",")[0] for line in csv[1:]] == ["q0", "q1", "q2"]
    assert api["capped"] and [r[0] for r in api["rows"]] == ["q0", "q1"]


def test_a_list_of_exactly_a_page_is_not_capped(client_as, care, lena, quinn, maria, monkeypatch):
    page, _csv, api = _service_level_drill((care, lena, quinn), client_as(maria), monkeypatch, 3)
    assert "q2" in page and "3 rows" in page and "3+ rows" not in page
    assert "The first 3 are shown" not in page
    assert not api["capped"] and [r[0] for r in api["rows"]] == ["q0", "q1", "q2"]


def test_listed_text_and_names_are_escaped(client_as, care, lena, quinn, maria):
    org = Organisation(care, lena, quinn)
    org.grow_to(2)  # the second conversation's clock breached
    Conversation.objects.filter(pk=org.conversations[1]).update(subject="<b>Loud</b> & co")
    User.objects.filter(username="agent1").update(display_name="<i>Ann</i>")
    page = client_as(maria).get(f"/insights/drill/?figure=responsiveness.breaches&{PERIOD}")
    html = page.content.decode()
    assert "&lt;b&gt;Loud&lt;/b&gt; &amp; co" in html and "<b>Loud" not in html
    assert "&lt;i&gt;Ann&lt;/i&gt;</option>" in html and "<i>Ann" not in html
