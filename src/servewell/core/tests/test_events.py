"""Domain events: a typo'd subscription fails at start-up, a failing subscriber is seen."""

from __future__ import annotations

import pytest
from django.db import transaction

from servewell.core import events, jobs
from servewell.core.models import FailedJob

SEEN: list[str] = []
PING = events.declare("test.ping", "A test event.")


@pytest.fixture(autouse=True)
def _clean():
    SEEN.clear()
    yield
    for name in (PING,):
        events._subscribers[name] = []


def test_subscribing_to_an_undeclared_event_fails_at_registration():
    with pytest.raises(events.UnknownEvent, match="test.pnig"):
        events.subscribe("test.pnig")(lambda event: None)


def flaky(event: events.Event) -> None:
    SEEN.append(event.payload["n"])
    if len(SEEN) == 1:
        raise RuntimeError("database hiccup")


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_lands_in_failed_jobs_and_a_replay_runs_it_again():
    events.subscribe(PING)(flaky)
    with transaction.atomic():
        events.publish(PING, {"n": "one"})
    failed = FailedJob.objects.get()
    assert "database hiccup" in failed.error
    assert failed.args[0] == events.handler_key(flaky)

    jobs.replay(failed.pk)
    assert SEEN == ["one", "one"]  # the replay delivered the same event once more


def always_fails(event: events.Event) -> None:
    SEEN.append(event.occurred_at.isoformat())
    raise RuntimeError("still broken")


@pytest.mark.django_db(transaction=True)
def test_a_durable_subscriber_that_fails_is_scheduled_again_with_the_events_own_time():
    events.subscribe(PING, durable=True)(always_fails)
    with transaction.atomic():
        event = events.publish(PING, {"n": "two"})
    assert [event.occurred_at.isoformat()] == SEEN
    retry = [t for t in jobs.huey.scheduled() if t.args[0] == events.handler_key(always_fails)]
    try:
        assert len(retry) == 1, "the failure is queued for a retry, not dropped"
        assert retry[0].retries == jobs.deliver_event.task_class.default_retries - 1
        assert retry[0].args[1]["occurred_at"] == event.occurred_at.isoformat()
        assert not FailedJob.objects.exists()  # dead-lettered only when retries run out
    finally:
        jobs.huey.flush()


@pytest.mark.django_db(transaction=True)
def test_other_subscribers_still_run_when_one_fails():
    events.subscribe(PING)(flaky)
    events.subscribe(PING)(lambda event: SEEN.append("second"))
    with transaction.atomic():
        events.publish(PING, {"n": "three"})
    assert SEEN == ["three", "second"]


BATCHES: list[list[str]] = []


def batched(batch: list[events.Event]) -> None:
    BATCHES.append([event.payload["n"] for event in batch])
    if len(BATCHES) == 1 and len(batch) > 1:
        raise RuntimeError("the first batch fails")


@pytest.mark.django_db(transaction=True)
def test_events_published_together_reach_a_batch_subscriber_as_one_list_after_commit():
    BATCHES.clear()
    events.subscribe(PING, batch=True)(batched)
    events.subscribe(PING)(lambda event: SEEN.append(event.payload["n"]))
    with transaction.atomic():
        events.publish_many(PING, [{"n": "a"}, {"n": "b"}, {"n": "c"}])
        events.publish(PING, {"n": "d"})
        assert BATCHES == [] and SEEN == []  # nothing before the commit
    assert BATCHES[1:] == [["d"]]  # a lone event comes as a list of one
    assert SEEN == ["a", "b", "c", "d"]  # a plain subscriber still gets each
    # The failed batch is kept whole and a replay delivers it whole.
    failed = FailedJob.objects.get()
    assert [e["data"]["n"] for e in failed.args[1]] == ["a", "b", "c"]
    jobs.replay(failed.pk)
    assert BATCHES[-1] == ["a", "b", "c"]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_delivered_when_the_batch_is_rolled_back():
    BATCHES.clear()
    events.subscribe(PING, batch=True)(batched)
    with pytest.raises(ValueError), transaction.atomic():
        events.publish_many(PING, [{"n": "x"}, {"n": "y"}])
        raise ValueError("rolled back")
    assert BATCHES == []
