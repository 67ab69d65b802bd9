"""The live-queue API: the telephony feed, metrics, rules, alarms and presence."""

from __future__ import annotations

import datetime as dt

import pytest

from servewell.core.models import AuditEntry
from servewell.livequeue import feed
from servewell.livequeue.models import Alarm, AlarmResponse, AlarmRule, Call
from servewell.people.models import Presence, Role
from servewell.people.tests.factories import make_person
from servewell.people.tokens import create_token

from .conftest import at

EVENTS = "/api/queue/events/"


@pytest.fixture
def pbx(client, feeder):
    """A client speaking as the phone system, with a bearer token."""
    _, raw = create_token(feeder, name="pbx")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def send(client, **payload):
    return client.post(EVENTS, payload, content_type="application/json")


def event(kind, call_id="c1", t=0, **extra):
    return {"event": kind, "call_id": call_id, "team": "care", "at": at(t).isoformat(), **extra}


def test_phone_system_posts_a_call_with_its_token(pbx, care, alice):
    assert send(pbx, **event("joined", caller="+4930123")).status_code == 201
    assert send(pbx, **event("answered", t=9, agent="alice")).status_code == 201
    response = send(pbx, **event("completed", t=99))
    assert response.status_code == 201
    call = response.json()["call"]
    assert call["state"] == "completed"
    assert (call["wait_s"], call["talk_s"], call["agent"]) == (9.0, 90.0, "alice")


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_the_feed_answers_with_the_call_as_the_calls_api_describes_it(
    pbx, care, alice, settings, zone
):
    """The feed writes its answer out by hand for speed; it must read exactly as the
    serializer the rest of the API (and its schema) uses, in any time zone."""
    from django.utils import timezone

    from servewell.livequeue.api import QueueEventOut

    settings.TIME_ZONE = zone
    timezone.activate(zone)
    try:
        waiting = send(pbx, **event("joined", call_id="z1", caller="+4930123")).json()
        send(pbx, **event("answered", call_id="z2", t=9, agent="alice"))
        done = send(pbx, **event("completed", call_id="z2", t=99, talk_s=85.5)).json()
        gone = send(pbx, **event("abandoned", call_id="z3", t=40, agent="nobody-here")).json()
        for answer in (waiting, done, gone):
            call = Call.objects.get(call_id=answer["call"]["call_id"])
            assert answer == QueueEventOut({"duplicate": False, "call": call}).data
    finally:
        timezone.deactivate()
    assert done["call"]["talk_s"] == 85.5
    assert gone["call"]["agent"] == "nobody-here"


def test_the_same_event_twice_is_accepted_once(pbx, care):
    first = send(pbx, **event("joined"))
    again = send(pbx, **event("joined", t=30))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True
    assert again.json()["call"]["joined_at"] == first.json()["call"]["joined_at"]
    assert Call.objects.count() == 1


def test_events_out_of_order_end_in_the_right_state(pbx, care):
    send(pbx, **event("completed", t=100))
    send(pbx, **event("answered", t=10))
    response = send(pbx, **event("joined", t=0))
    call = response.json()["call"]
    assert call["state"] == "completed"
    assert (call["wait_s"], call["talk_s"]) == (10.0, 90.0)


def test_team_by_id_works_too(pbx, care):
    response = send(pbx, **{**event("joined"), "team": str(care.pk)})
    assert response.status_code == 201
    assert response.json()["call"]["team"] == care.pk


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"event": None}, "event"),
        ({"event": "exploded"}, "event"),
        ({"call_id": ""}, "call_id"),
        ({"call_id": "x" * 151}, "call_id"),
        ({"team": "nowhere"}, "team"),
        ({"team": 99999}, "team"),
        ({"team": "³"}, "team"),  # a digit to str.isdigit(), not to int(): was a 500
        ({"at": "yesterday-ish"}, "at"),
        ({"channel": "pigeon"}, "channel"),
        ({"talk_s": -3}, "talk_s"),
        ({"call_id": ["a", "b"]}, "call_id"),
    ],
)
def test_bad_events_get_a_400_naming_the_field(pbx, care, payload, field):
    body = {k: v for k, v in {**event("joined"), **payload}.items() if v is not None}
    response = send(pbx, **body)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Call.objects.exists()


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"null", b"\xff\xfe"])
def test_garbage_bodies_are_a_400_not_a_500(pbx, care, body):
    response = pbx.post(EVENTS, body, content_type="application/json")
    assert response.status_code == 400


BATCH = "/api/queue/events/batch/"


def test_a_batch_of_events_is_handled_as_if_each_was_posted_alone(pbx, care, alice):
    batch = [
        event("joined", "c1", caller="+4930123"),
        event("joined", "c2", t=2),
        event("answered", "c1", t=9, agent="alice"),
        event("completed", "c1", t=99),
        event("joined", "c1", t=50),  # a repeat inside the batch: the first one counts
    ]
    response = pbx.post(BATCH, {"events": batch}, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert (body["recorded"], body["duplicates"]) == (4, 1)
    assert [r["duplicate"] for r in body["results"]] == [False, False, False, False, True]
    call = Call.objects.get(call_id="c1")
    assert call.state == "completed"
    assert (call.wait_s, call.talk_s, call.agent) == (9.0, 90.0, alice)
    assert Call.objects.get(call_id="c2").state == "waiting"
    again = pbx.post(BATCH, {"events": batch[:2]}, content_type="application/json").json()
    assert (again["recorded"], again["duplicates"]) == (0, 2)


def test_a_batch_with_one_bad_event_stores_nothing_and_names_it(pbx, care):
    batch = [event("joined", "c1"), {**event("joined", "c2"), "team": "nowhere"}]
    response = pbx.post(BATCH, {"events": batch}, content_type="application/json")
    assert response.status_code == 400
    assert "events.1.team" in response.json()
    assert not Call.objects.exists()
    malformed = pbx.post(BATCH, {"events": [{"event": "joined"}]}, content_type="application/json")
    assert malformed.status_code == 400
    empty = pbx.post(BATCH, {"events": []}, content_type="application/json")
    assert empty.status_code == 400


def test_agents_cannot_feed_the_queue(client, care, alice):
    _, raw = create_token(alice, name="mine")
    response = client.post(
        EVENTS,
        event("joined"),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 403


def test_no_token_no_feed(client, care):
    assert send(client, **event("joined")).status_code in (401, 403)


def test_snapshot_shows_the_waiting_queue(client_as, care, alice):
    feed.record_event("joined", call_id="c1", team=care, at=at(0))
    body = client_as(alice).get("/api/queue/snapshot/").json()
    assert [s["team_slug"] for s in body] == ["care"]
    assert body[0]["waiting"] == 1


def test_metrics_for_a_period_with_staffing(client_as, care, alice):
    for n in range(10):
        cid = f"c{n}"
        feed.record_event("joined", call_id=cid, team=care, at=at(n * 60))
        feed.record_event("answered", call_id=cid, team=care, at=at(n * 60 + 10 + n * 3))
        feed.record_event("completed", call_id=cid, team=care, at=at(n * 60 + 190))
    response = client_as(alice).get(
        "/api/queue/metrics/",
        {"team": care.pk, "start": at(0).isoformat(), "end": at(3600).isoformat()},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["offered"] == 10
    assert body["service_level"] == pytest.approx(0.4)  # waits 10..37 s, T = 20 s
    assert body["calls_per_hour"] == pytest.approx(10)
    assert body["staffing"]["agents"] >= 1


@pytest.mark.parametrize(
    ("params", "field"),
    [({}, "team"), ({"team": "x"}, "team"), ({"team": 1, "start": "soon"}, "start")],
)
def test_metrics_with_bad_parameters_is_a_400(client_as, care, alice, params, field):
    response = client_as(alice).get("/api/queue/metrics/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_metrics_of_a_team_one_cannot_see_is_a_404(client_as, care, orders, bob):
    response = client_as(bob).get("/api/queue/metrics/", {"team": care.pk})
    assert response.status_code == 404


def test_lead_creates_changes_and_removes_a_rule(client_as, care, lena):
    client = client_as(lena)
    created = client.post(
        "/api/queue/rules/",
        {"team": care.pk, "kind": "waiting", "threshold": 5, "clear_threshold": 2},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    changed = client.patch(
        f"/api/queue/rules/{rule_id}/", {"threshold": 6}, content_type="application/json"
    )
    assert changed.json()["threshold"] == 6
    assert client.delete(f"/api/queue/rules/{rule_id}/").status_code == 204
    actions = list(AuditEntry.objects.values_list("action", flat=True).order_by("id"))
    assert actions[-3:] == ["alarm_rule.created", "alarm_rule.changed", "alarm_rule.deleted"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "waiting", "threshold": 5, "clear_threshold": 5}, "clear_threshold"),
        ({"kind": "service_level", "threshold": 80, "clear_threshold": 70}, "clear_threshold"),
        ({"kind": "service_level", "threshold": 180, "clear_threshold": 190}, "threshold"),
        ({"kind": "loudness", "threshold": 5, "clear_threshold": 2}, "kind"),
        ({"kind": "waiting", "threshold": "many", "clear_threshold": 2}, "threshold"),
    ],
)
def test_rules_without_hysteresis_or_sense_are_refused(client_as, care, lena, payload, field):
    response = client_as(lena).post(
        "/api/queue/rules/", {"team": care.pk, **payload}, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_agents_and_other_leads_cannot_change_rules(client_as, care, orders, alice):
    other_lead = make_person("otto", [Role.LEAD], team=orders, lead=True)
    payload = {"team": care.pk, "kind": "waiting", "threshold": 5, "clear_threshold": 2}
    assert (
        client_as(alice)
        .post("/api/queue/rules/", payload, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        client_as(other_lead)
        .post("/api/queue/rules/", payload, content_type="application/json")
        .status_code
        == 404
    )  # a team one does not see


def test_service_level_settings_by_a_manager(client_as, care, maria):
    client = client_as(maria)
    response = client.put(
        f"/api/queue/settings/{care.pk}/",
        {"service_level_seconds": 30, "short_abandon_rule": "unmet"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert client.get(f"/api/queue/settings/{care.pk}/").json()["service_level_seconds"] == 30
    bad = client.put(
        f"/api/queue/settings/{care.pk}/",
        {"short_abandon_rule": "sometimes"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "short_abandon_rule" in bad.json()


def _raise_alarm(care):
    AlarmRule.objects.create(team=care, kind="waiting", threshold=1, clear_threshold=0)
    feed.record_event("joined", call_id="c1", team=care, at=at(0))
    return Alarm.objects.get()


def test_alarm_list_and_im_on_it(client_as, care, lena, django_assert_max_num_queries):
    raised = _raise_alarm(care)
    client = client_as(lena)
    response = client.post(f"/api/queue/alarms/{raised.pk}/respond/")
    assert response.status_code == 200, response.content
    assert [r["role"] for r in response.json()["responses"]] == ["lead"]
    lena.refresh_from_db()
    assert lena.presence == Presence.AVAILABLE
    with django_assert_max_num_queries(8):
        listed = client.get("/api/queue/alarms/", {"open": "true"})
    assert listed.json()["results"][0]["responses"][0]["username"] == "lena"
    summary = client.get("/api/queue/alarms/summary/").json()
    assert (summary["count"], summary["leads_jumped_in"]) == (1, 1)


def test_alarm_list_query_count_does_not_grow(
    client_as, care, lena, alice, maria, django_assert_max_num_queries
):
    rule = AlarmRule.objects.create(team=care, kind="waiting", threshold=1, clear_threshold=0)
    for n in range(6):
        a = Alarm.objects.create(
            team=care,
            rule=None,
            rule_label="x",
            kind="waiting",
            raised_at=at(n),
            cleared_at=at(n + 1),
            trigger_value=1,
        )
        for person in (alice, lena, maria):
            AlarmResponse.objects.create(alarm=a, user=person, role="agent", at=at(n))
    client = client_as(lena)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/queue/alarms/").json()["results"]) == 6
    assert rule


def test_alarm_filters_reject_bad_values(client_as, care, lena):
    response = client_as(lena).get("/api/queue/alarms/", {"start": "whenever"})
    assert response.status_code == 400 and "start" in response.json()


def test_responding_to_a_cleared_alarm_is_a_400(client_as, care, lena):
    raised = _raise_alarm(care)
    feed.record_event("abandoned", call_id="c1", team=care, at=at(5))
    response = client_as(lena).post(f"/api/queue/alarms/{raised.pk}/respond/")
    assert response.status_code == 400
    assert response.json()["code"] == "conflict"


def test_presence_list_includes_leads_and_managers(
    client_as, care, alice, lena, maria, django_assert_max_num_queries
):
    client = client_as(maria)
    with django_assert_max_num_queries(8):
        body = client.get("/api/queue/presence/").json()
    names = {p["username"] for p in body["results"]}
    assert {"alice", "lena", "maria"} <= names
    assert client.get("/api/queue/presence/", {"presence": "dancing"}).status_code == 400


def test_calls_list_is_scoped_to_ones_teams(
    client_as, care, orders, alice, bob, django_assert_max_num_queries
):
    feed.record_event("joined", call_id="care-1", team=care, at=at(0))
    feed.record_event("joined", call_id="orders-1", team=orders, at=at(0))
    client = client_as(bob)
    with django_assert_max_num_queries(6):
        body = client.get("/api/queue/calls/").json()
    assert [c["call_id"] for c in body["results"]] == ["orders-1"]


def test_openapi_schema_documents_the_queue(client, db):
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/queue/events/", "/api/queue/metrics/", "/api/queue/alarms/{id}/respond/"):
        assert path in schema


def test_alarms_filter_by_moments_with_any_utc_offset(client_as, care, lena):
    """ISO 8601 allows offsets PostgreSQL refuses (past ±15:59): the alarm list and its
    summary compare in UTC, and a moment before year 1 in UTC is a 400, never a 500."""
    _raise_alarm(care)
    client = client_as(lena)
    far = dt.timezone(dt.timedelta(hours=21, minutes=33))
    since = dt.datetime(876, 1, 31, 21, 11, 55, tzinfo=far).isoformat()
    summary = client.get("/api/queue/alarms/summary/", {"team": care.pk, "start": since})
    assert summary.status_code == 200, summary.content
    assert summary.json()["count"] == 1
    listed = client.get("/api/queue/alarms/", {"start": since})
    assert listed.status_code == 200 and len(listed.json()["results"]) == 1
    before_time = dt.datetime(1, 1, 1, 0, 30, tzinfo=far).isoformat()
    refused = client.get("/api/queue/alarms/", {"end": before_time})
    assert refused.status_code == 400, refused.content
