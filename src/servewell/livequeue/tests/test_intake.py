"""The feed's fast door (``?respond=async``): checked and stored at once, derived by the
worker; through the ASGI application as a phone system reaches it, and the domain
function on its own for the checks."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from servewell.core.fastlane import Arrival
from servewell.livequeue import intake
from servewell.livequeue.models import Call, PendingEvent
from servewell.people.models import Role
from servewell.people.tests.factories import make_person
from servewell.people.tokens import create_token, revoke_token

from .conftest import at

ASYNC = "/api/queue/events/?respond=async"
BATCH = "/api/queue/events/batch/?respond=async"


@pytest.fixture(autouse=True)
def _teams_forgotten():
    """Each test's teams are new rows: a team remembered by slug from an earlier test
    (for its second) would name a row that is gone."""
    intake._team_ids.clear()


@pytest.fixture
def raw_token(feeder):
    return create_token(feeder, name="pbx")[1]


def arrival(token: str | None, body: object, *, raw: bytes | None = None) -> Arrival:
    headers = {"authorization": f"Bearer {token}"} if token is not None else {}
    return Arrival(headers, raw if raw is not None else json.dumps(body).encode(), {})


def event(kind, call_id="c1", t=0, **extra):
    return {"event": kind, "call_id": call_id, "team": "care", "at": at(t).isoformat(), **extra}


def accept(*arrivals, batch=False):
    accept = intake.accept_event_batches if batch else intake.accept_events
    return accept(list(arrivals))


def test_a_round_of_events_is_stored_then_derived_into_calls(
    raw_token, care, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        replies = accept(
            arrival(raw_token, event("joined", caller="+4930123")),
            arrival(raw_token, event("answered", t=9, agent="alice")),
            arrival(raw_token, event("completed", t=99)),
        )
    assert [r.status for r in replies] == [202, 202, 202]
    assert len({r.body["id"] for r in replies}) == 3
    # The worker (inline in the tests) derived them as one batch and let them go.
    assert not PendingEvent.objects.exists()
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.wait_s, call.talk_s, call.agent) == ("completed", 9.0, 90.0, alice)


def test_events_wait_until_the_worker_derives_them(raw_token, care):
    [reply] = accept(arrival(raw_token, event("joined")))
    assert reply.status == 202
    pending = PendingEvent.objects.get(pk=reply.body["id"])
    assert pending.payload["team"] == care.pk and pending.sender.username == "pbx"
    assert not Call.objects.exists()
    assert intake.derive(PendingEvent.objects.all()) == 1
    assert Call.objects.get(call_id="c1").state == "waiting"


def test_a_repeated_event_is_stored_twice_and_recorded_once(raw_token, care):
    accept(arrival(raw_token, event("joined")), arrival(raw_token, event("joined")))
    intake.derive(PendingEvent.objects.all())
    assert Call.objects.count() == 1 and not PendingEvent.objects.exists()


def test_credentials_are_checked_per_request_in_a_round(raw_token, feeder, care):
    agent = make_person("nosy", [Role.AGENT])
    _, agents_token = create_token(agent, name="mine")
    revoked, revoked_raw = create_token(feeder, name="old")
    revoke_token(revoked, actor=feeder)
    replies = accept(
        arrival(None, event("joined")),
        arrival("sw_nope_nope", event("joined")),
        arrival(revoked_raw, event("joined")),
        arrival(agents_token, event("joined")),
        arrival(raw_token, event("joined", call_id="ok")),
    )
    assert [r.status for r in replies] == [401, 401, 401, 403, 202]
    assert replies[0].headers["WWW-Authenticate"].startswith("Bearer")
    assert PendingEvent.objects.get().payload["call_id"] == "ok"


def test_an_inactive_persons_token_is_refused(raw_token, feeder, care):
    feeder.is_active = False
    feeder.save()
    assert accept(arrival(raw_token, event("joined")))[0].status == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"call_id": "c1", "team": "care"}, "event"),
        ({"event": "rang", "call_id": "c1", "team": "care"}, "event"),
        ({"event": "joined", "team": "care"}, "call_id"),
        ({"event": "joined", "call_id": "  ", "team": "care"}, "call_id"),
        ({"event": "joined", "call_id": "x" * 151, "team": "care"}, "call_id"),
        ({"event": "joined", "call_id": 7, "team": "care"}, "call_id"),
        ({"event": "joined", "call_id": "c1"}, "team"),
        ({"event": "joined", "call_id": "c1", "team": True}, "team"),
        ({"event": "joined", "call_id": "c1", "team": "no-such-team"}, "team"),
        ({"event": "joined", "call_id": "c1", "team": "care", "at": "yesterday"}, "at"),
        ({"event": "joined", "call_id": "c1", "team": "care", "at": "2026-13-45T99:00"}, "at"),
        ({"event": "joined", "call_id": "c1", "team": "care", "channel": "fax"}, "channel"),
        ({"event": "completed", "call_id": "c1", "team": "care", "talk_s": -1}, "talk_s"),
        ({"event": "completed", "call_id": "c1", "team": "care", "talk_s": "9"}, "talk_s"),
        ({"event": "joined", "call_id": "c1", "team": "care", "caller": "a\x00b"}, "caller"),
    ],
)
def test_a_bad_field_is_a_400_naming_it_and_nothing_is_stored(raw_token, care, body, field):
    [reply] = accept(arrival(raw_token, body))
    assert reply.status == 400
    assert field in reply.body and reply.body[field][0]
    assert not PendingEvent.objects.exists()


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff\xfe", b"[1, 2", b"[" * 100_000 + b"]" * 100_000])
def test_a_body_that_is_not_json_is_a_400(raw_token, care, raw):
    [reply] = accept(arrival(raw_token, None, raw=raw))
    assert reply.status == 400 and "JSON" in reply.body["detail"]


def test_one_bad_request_does_not_refuse_the_others_of_its_round(raw_token, care):
    replies = accept(
        arrival(raw_token, event("joined", call_id="a")),
        arrival(raw_token, {**event("joined", call_id="b"), "team": "nobody"}),
        arrival(raw_token, event("joined", call_id="c")),
    )
    assert [r.status for r in replies] == [202, 400, 202]
    stored = sorted(p.payload["call_id"] for p in PendingEvent.objects.all())
    assert stored == ["a", "c"]


def test_a_batch_is_all_or_nothing_and_names_the_bad_event(raw_token, care, orders):
    good = [event("joined", call_id="b1"), {**event("joined", call_id="b2"), "team": "orders"}]
    [reply] = accept(arrival(raw_token, {"events": good}), batch=True)
    assert reply.status == 202 and reply.body["accepted"] == 2
    bad = [event("joined", call_id="b3"), {**event("joined", call_id="b4"), "team": "x"}]
    [refused] = accept(arrival(raw_token, {"events": bad}), batch=True)
    assert refused.status == 400 and "events.1.team" in refused.body
    assert PendingEvent.objects.count() == 2
    for body in ({}, {"events": []}, {"events": "x"}, {"events": [event("joined")] * 501}):
        assert accept(arrival(raw_token, body), batch=True)[0].status == 400


def test_an_event_that_can_no_longer_be_derived_stays_failed_with_the_reason(
    raw_token, care, orders, django_capture_on_commit_callbacks
):
    accept(arrival(raw_token, event("joined", call_id="a")))
    accept(arrival(raw_token, {**event("joined", call_id="b"), "team": "orders"}))
    PendingEvent.objects.filter(payload__call_id="b").update(
        payload={**event("joined", call_id="b"), "team": 999_999}
    )
    with django_capture_on_commit_callbacks() as queued:
        intake.derive(PendingEvent.objects.filter(state="received"))
    assert Call.objects.get().call_id == "a"  # the good one of the batch still recorded
    failed = PendingEvent.objects.get()
    assert failed.state == "failed" and "999999" in failed.reason
    assert queued[-1].args == (failed.pk,)  # its own job, which fails with the reason
    with pytest.raises(RuntimeError, match="999999"):
        intake.rederive_pending_event.call_local(failed.pk)
    PendingEvent.objects.filter(pk=failed.pk).update(payload={**failed.payload, "team": care.pk})
    intake.rederive_pending_event.call_local(failed.pk)  # the cause fixed, a retry records it
    assert not PendingEvent.objects.exists() and Call.objects.filter(call_id="b").exists()


def test_events_left_by_a_lost_job_are_derived_by_the_sweep(raw_token, care):
    [reply] = accept(arrival(raw_token, event("joined")))
    intake.derive_stale_events.call_local()
    assert PendingEvent.objects.exists()  # too fresh: its own job may still come
    PendingEvent.objects.update(received_at=at(-3600))
    intake.derive_stale_events.call_local()
    assert not PendingEvent.objects.exists() and Call.objects.filter(call_id="c1").exists()


# --- Through the ASGI application ----------------------------------------------------------


@pytest.fixture(autouse=True)
def _lanes_closed_after():
    """The lanes' threads hold connections of their own: closed before the test database
    is dropped."""
    yield
    import sys

    if "servewell.config.asgi" in sys.modules:
        sys.modules["servewell.config.asgi"].lanes.stop()


def _post(path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    from servewell.config.asgi import application

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.post(path, content=body, headers=headers)

    return asyncio.run(go())


@pytest.mark.django_db(transaction=True)
def test_the_phone_system_reaches_the_fast_door_over_http(feeder, care):
    _, raw = create_token(feeder, name="pbx")
    auth = {"Authorization": f"Bearer {raw}", "Content-Type": "application/json"}
    response = _post(ASYNC, json.dumps(event("joined", call_id="h1")).encode(), auth)
    assert response.status_code == 202, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert Call.objects.filter(call_id="h1").exists()  # jobs run inline in the tests
    batch = {"events": [event("joined", call_id="h2"), event("answered", call_id="h2", t=5)]}
    response = _post(BATCH, json.dumps(batch).encode(), auth)
    assert response.status_code == 202 and response.json()["accepted"] == 2
    assert Call.objects.get(call_id="h2").state == "answered"
    # Without ?respond=async the same path is the synchronous door, answered by Django.
    response = _post(
        "/api/queue/events/", json.dumps(event("completed", call_id="h2")).encode(), auth
    )
    assert response.status_code == 201 and response.json()["call"]["state"] == "completed"


@pytest.mark.django_db(transaction=True)
def test_the_fast_door_refuses_an_oversized_body_and_a_missing_token(feeder, care):
    _, raw = create_token(feeder, name="pbx")
    auth = {"Authorization": f"Bearer {raw}", "Content-Type": "application/json"}
    huge = json.dumps({**event("joined"), "padding": "x" * 300_000}).encode()
    response = _post(ASYNC, huge, auth)
    assert response.status_code == 413 and "KB" in response.json()["detail"]
    response = _post(ASYNC, json.dumps(event("joined")).encode(), {})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="api"'
    assert not PendingEvent.objects.exists()


def test_a_remembered_token_still_stops_at_once_when_revoked_here(feeder, care):
    from servewell.people.tokens import users_for_tokens

    token, raw = create_token(feeder, name="pbx")
    assert users_for_tokens([raw], remember_s=60)[raw] == feeder
    token.delete()  # gone behind the lane's back: remembered for its minute
    assert users_for_tokens([raw], remember_s=60)[raw] == feeder
    assert raw not in users_for_tokens([raw])  # a lookup that remembers nothing sees it
    second, raw2 = create_token(feeder, name="pbx2")
    assert raw2 in users_for_tokens([raw2], remember_s=60)
    revoke_token(second, actor=feeder)
    assert raw2 not in users_for_tokens([raw2], remember_s=60)


def test_asks_for_derivation_are_throttled_but_the_last_is_never_lost():
    import threading
    import time

    asked = []
    done = threading.Event()

    def action():
        asked.append(time.monotonic())
        if len(asked) == 2:
            done.set()

    # A period far longer than the burst takes, even on a loaded machine: with 0.05 s, a
    # burst that itself took longer than that rightly asked a third time.
    throttled = intake._Throttled(action, every=1.0, inline=lambda: False)
    started = time.monotonic()
    for _ in range(20):  # a burst of rounds: one ask at once, one trailing
        throttled.ask()
    assert len(asked) == 1 and asked[0] - started < 1.0
    assert done.wait(5)
    time.sleep(0.2)
    assert len(asked) == 2 and asked[1] - started >= 0.95
