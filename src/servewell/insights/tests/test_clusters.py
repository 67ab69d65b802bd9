"""Themes from clusters of similar requests: three topics written three ways each end up
in three clusters named after them (with the embeddings extra, skipped without it); a
cluster's page lists exactly its conversations; without the extra the dashboard says so
and keeps the tags."""

from __future__ import annotations

import datetime as dt

import pytest

from servewell.desk.tests.factories import make_conversation
from servewell.insights import clusters, filters
from servewell.insights.models import ThemeCluster, ThemeRun

NOW = dt.datetime(2026, 3, 16, 7, 30, tzinfo=dt.UTC)  # a Monday
DAY = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)  # in last week
BEFORE = dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC)  # the week before
PERIOD = "period=custom&start=2026-03-09&end=2026-03-15"
MISSING = clusters.unavailable_reason()
needs_extra = pytest.mark.skipif(bool(MISSING), reason=f"{MISSING}: clusters cannot be computed")

TOPICS = {
    "refund": [
        "I want a refund for my order, the kettle arrived broken.",
        "Please refund me, I sent the shoes back two weeks ago.",
        "When will I get my refund for the cancelled order?",
        "The refund is still not on my card after the return.",
        "Can you refund the jacket? It was the wrong size and I returned it.",
    ],
    "password": [
        "I can't log in, the password reset email never arrives.",
        "My password doesn't work and I'm locked out of my account.",
        "How do I reset my password? The reset link has expired.",
        "Login fails with a wrong password even after the password reset.",
        "I forgot my password and the reset page shows an error.",
    ],
    "delivery": [
        "Where is my parcel? The tracking hasn't moved in five days.",
        "The delivery is late and the courier says the parcel is lost.",
        "My parcel was delivered to the wrong address.",
        "The parcel was shipped a week ago but the delivery never came.",
        "The courier left a card but there was no delivery attempt, where is my parcel?",
    ],
}


def _filters(user, **params):
    params = {"period": "custom", "start": "2026-03-09", "end": "2026-03-15", **params}
    return filters.parse(params, user, now=NOW)


@pytest.fixture
def requests_by_topic(care):
    made = {}
    for topic, bodies in TOPICS.items():
        made[topic] = {
            make_conversation(care, subject=f"Case {topic} {i}", body=body, now=DAY).pk
            for i, body in enumerate(bodies)
        }
    return made


@needs_extra
def test_three_topics_make_three_clusters_named_after_them(requests_by_topic, care, lena):
    for i, body in enumerate(TOPICS["refund"][:2]):
        make_conversation(care, subject=f"Earlier {i}", body=body, now=BEFORE)
    chosen = _filters(lena)
    q = chosen.query()
    run = clusters.compute(
        chosen.start_day, chosen.end_day, q.team_ids, None, period="custom", now=NOW
    )
    found = list(run.clusters.all())
    assert len(found) == 3
    by_members = {frozenset(c.conversation_ids): c for c in found}
    assert set(by_members) == {frozenset(ids) for ids in requests_by_topic.values()}
    names = {topic: by_members[frozenset(ids)] for topic, ids in requests_by_topic.items()}
    assert "refund" in names["refund"].name
    assert "password" in names["password"].name
    assert "parcel" in names["delivery"].name or "delivery" in names["delivery"].name
    assert names["refund"].previous == 2 and names["password"].previous == 0
    assert clusters.growth(names["refund"], run) == pytest.approx(150)
    assert clusters.growth(names["password"], run) is None  # new this week
    assert run.sampled == run.total == 15

    # the dashboard then reads the stored clusters, with a link to each
    shown = clusters.for_filters(chosen, now=NOW)
    assert shown.state == "ready" and len(shown.clusters) == 3


@needs_extra
def test_vectors_are_computed_once_per_conversation(requests_by_topic, care, lena):
    from servewell.insights.models import RequestVector

    chosen = _filters(lena)
    q = chosen.query()
    clusters.compute(chosen.start_day, chosen.end_day, q.team_ids, None, now=NOW)
    assert RequestVector.objects.count() == 15
    clusters.compute(chosen.start_day, chosen.end_day, q.team_ids, None, now=NOW)
    assert RequestVector.objects.count() == 15
    assert ThemeRun.objects.count() == 1


def _stored(chosen, groups: dict[str, set[int]]) -> dict[str, ThemeCluster]:
    """A run stored as the job would, without the model: the drill-down's own test."""
    run = ThemeRun.objects.create(
        scope=clusters.scope_of(chosen.query()),
        start_day=chosen.start_day,
        end_day=chosen.end_day,
        requested_at=NOW,
        computed_at=NOW,
        sampled=15,
        total=15,
    )
    return {
        name: ThemeCluster.objects.create(
            run=run,
            rank=rank,
            name=name,
            phrases=[name],
            example=f"About {name}",
            count=len(ids),
            previous=1,
            conversation_ids=sorted(ids),
        )
        for rank, (name, ids) in enumerate(groups.items(), 1)
    }


def test_a_clusters_page_lists_exactly_its_conversations(requests_by_topic, client_as, lena, care):
    stored = _stored(_filters(lena), requests_by_topic)
    client = client_as(lena)
    response = client.get(f"/insights/themes/{stored['password'].pk}/?{PERIOD}")
    assert response.status_code == 200
    body = response.content.decode()
    for i in range(5):
        assert f"Case password {i}" in body
        assert f"Case refund {i}" not in body and f"Case delivery {i}" not in body
    csv = client.get(f"/insights/themes/{stored['password'].pk}/?{PERIOD}&format=csv")
    lines = csv.content.decode().strip().splitlines()[1:]
    assert sorted(line.split(",")[0] for line in lines) == sorted(
        f"#{pk} Case password {i}" for i, pk in enumerate(sorted(requests_by_topic["password"]))
    )
    api = client.get(
        f"/api/insights/clusters/conversations/?cluster={stored['refund'].pk}&{PERIOD}"
    )
    assert {c["id"] for c in api.json()["conversations"]} == requests_by_topic["refund"]


def test_a_cluster_is_only_found_with_the_filters_it_was_made_for(
    requests_by_topic, client_as, lena, maria
):
    stored = _stored(_filters(maria), requests_by_topic)  # the manager's, every team
    refund = stored["refund"].pk
    # the lead's scope is their own teams: the manager's cluster is not theirs
    assert client_as(lena).get(f"/insights/themes/{refund}/?{PERIOD}").status_code == 404
    manager = client_as(maria)
    assert manager.get(f"/insights/themes/{refund}/?{PERIOD}").status_code == 200
    assert manager.get(f"/insights/themes/{refund}/?period=last_month").status_code == 404
    assert manager.get(f"/insights/themes/abc/?{PERIOD}").status_code == 404
    assert manager.get(f"/insights/themes/{refund}/?{PERIOD}&colour=red").status_code == 400


def test_without_the_extra_the_dashboard_says_clusters_need_it(
    requests_by_topic, client_as, lena, monkeypatch
):
    monkeypatch.setattr(clusters, "unavailable_reason", lambda: "no extra")
    response = client_as(lena).get(f"/insights/?{PERIOD}")
    assert response.status_code == 200
    assert "Clusters of similar requests need the embeddings extra" in response.content.decode()
    api = client_as(lena).get(f"/api/insights/clusters/?{PERIOD}").json()
    assert api["state"] == "unavailable" and api["clusters"] == []
    assert not ThemeRun.objects.exists()


def test_a_missing_clustering_is_queued_once_and_shown_when_stored(
    requests_by_topic, client_as, lena, monkeypatch
):
    monkeypatch.setattr(clusters, "unavailable_reason", lambda: "")
    monkeypatch.setattr(clusters, "_jobs_run_inline", lambda: False)  # a worker runs
    client = client_as(lena)
    first = client.get(f"/insights/?{PERIOD}").content.decode()
    assert "being computed" in first
    client.get(f"/insights/?{PERIOD}")
    assert ThemeRun.objects.count() == 1  # the second request queued nothing more
    ThemeRun.objects.all().delete()
    stored = _stored(_filters(lena), requests_by_topic)
    page = client.get(f"/insights/?{PERIOD}").content.decode()
    assert f"/insights/themes/{stored['refund'].pk}/" in page and "About delivery" in page
    csv = client.get(f"/insights/clusters.csv?{PERIOD}").content.decode().splitlines()
    assert [line.split(",")[0] for line in csv[1:]] == ["refund", "password", "delivery"]


def test_the_clusters_command_says_when_the_extra_is_missing(monkeypatch):
    from django.core.management import CommandError, call_command

    monkeypatch.setattr(clusters, "unavailable_reason", lambda: "no sentence_transformers")
    with pytest.raises(CommandError, match="embeddings extra"):
        call_command("insights", "clusters", "--period", "last_week")


@needs_extra
def test_the_clusters_command_computes_the_period_for_all_teams(requests_by_topic, capsys):
    from django.core.management import call_command

    call_command(
        "insights", "clusters", "--period", "custom", "--start", "2026-03-09", "--end", "2026-03-15"
    )
    assert "3 clusters of 15 requests" in capsys.readouterr().out
    run = ThemeRun.objects.get()
    assert run.start_day == dt.date(2026, 3, 9) and run.end_day == dt.date(2026, 3, 16)


def test_without_a_worker_the_dashboard_never_clusters_inside_the_request(
    requests_by_topic, client_as, lena, monkeypatch
):
    monkeypatch.setattr(clusters, "unavailable_reason", lambda: "")
    page = client_as(lena).get(f"/insights/?{PERIOD}").content.decode()
    assert "servewell insights clusters" in page
    assert not ThemeRun.objects.exists()
