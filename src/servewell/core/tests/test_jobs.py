"""The job queue for real: a Huey consumer on a SQLite queue file, retries, dead letters."""

from __future__ import annotations

import threading
import time

import pytest
from huey import SqliteHuey

from servewell.core import jobs
from servewell.core.models import FailedJob

CALLS: list[str] = []


@pytest.fixture
def real_queue(tmp_path, monkeypatch):
    """Swap the inline test queue for a real SQLite-backed one with a running consumer."""
    huey = SqliteHuey(name="test", filename=str(tmp_path / "jobs.sqlite3"), results=False)
    huey._registry = jobs.huey._registry
    huey._signal = jobs.huey._signal
    monkeypatch.setattr(jobs, "huey", huey)
    consumer = huey.create_consumer(
        workers=2, worker_type="thread", initial_delay=0.01, max_delay=0.05, periodic=False
    )
    consumer.scheduler.start()
    for _, worker in consumer.worker_threads:
        worker.start()
    yield huey
    consumer.stop(graceful=True)


def _wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _make_jobs(huey):
    @huey.task(retries=2, retry_delay=0, name="flaky_then_fine")
    def flaky(key):
        CALLS.append(key)
        if CALLS.count(key) < 2:
            raise RuntimeError("first try fails")

    @huey.task(retries=2, retry_delay=0, name="always_fails")
    def broken(key):
        CALLS.append(key)
        raise ValueError(f"cannot do {key}")

    return flaky, broken


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_retried_then_succeeds(real_queue):
    flaky, _ = _make_jobs(real_queue)
    try:
        flaky("a")
        assert _wait_for(lambda: CALLS.count("a") == 2)
        time.sleep(0.2)
        assert FailedJob.objects.count() == 0
    finally:
        real_queue._registry.unregister(flaky.task_class)
        real_queue._registry.unregister(_.task_class)


@pytest.mark.django_db(transaction=True)
def test_a_job_that_keeps_failing_lands_in_the_dead_letter_list_and_can_be_replayed(real_queue):
    flaky, broken = _make_jobs(real_queue)
    try:
        broken("b")
        assert _wait_for(lambda: FailedJob.objects.exists())
        failed = FailedJob.objects.get()
        assert CALLS.count("b") == 3  # first try + 2 retries
        assert failed.args == ["b"]
        assert "cannot do b" in failed.error
        assert "ValueError" in failed.traceback
        jobs.replay(failed.pk)
        assert _wait_for(lambda: CALLS.count("b") == 6)
        failed.refresh_from_db()
        assert failed.replayed_at is not None
        assert _wait_for(lambda: FailedJob.objects.count() == 2)
    finally:
        real_queue._registry.unregister(flaky.task_class)
        real_queue._registry.unregister(broken.task_class)


def test_admin_sees_failed_jobs_and_discards_one(client_as, adam):
    from django.utils import timezone

    failed = FailedJob.objects.create(
        task_name="servewell.core.webhooks.deliver",
        args=[1],
        error="boom",
        failed_at=timezone.now(),
    )
    client = client_as(adam)
    assert "boom" in client.get("/admin-tools/jobs/").content.decode()
    client.post(f"/admin-tools/jobs/{failed.pk}/discard/")
    failed.refresh_from_db()
    assert failed.discarded_at is not None
    assert "boom" not in client.get("/admin-tools/jobs/").content.decode()


def test_replaying_through_the_api(client_as, adam):
    from django.utils import timezone

    failed = FailedJob.objects.create(
        task_name="servewell.core.jobs.prune_webhook_deliveries",
        error="boom",
        failed_at=timezone.now(),
    )
    client = client_as(adam)
    response = client.post(f"/api/jobs/failed/{failed.pk}/replay/")
    assert response.status_code == 202
    assert response.json()["replayed_at"]
    again = client.post(f"/api/jobs/failed/{failed.pk}/replay/")
    assert again.status_code == 409


def test_replaying_an_unknown_job_is_a_clear_400(client_as, adam):
    from django.utils import timezone

    failed = FailedJob.objects.create(task_name="gone.away", error="x", failed_at=timezone.now())
    response = client_as(adam).post(f"/api/jobs/failed/{failed.pk}/replay/")
    assert response.status_code == 400
    assert "gone.away" in response.json()["detail"]


def test_periodic_jobs_are_registered_for_the_worker():
    names = [jobs.huey._registry.task_to_string(t) for t in jobs.huey._registry._periodic_tasks]
    assert "servewell.core.jobs.prune_webhook_deliveries" in names


def test_in_process_worker_threads_start_and_stop(tmp_path):
    huey = SqliteHuey(name="t2", filename=str(tmp_path / "q.sqlite3"), results=False)
    done = threading.Event()

    @huey.task(name="ping_job")
    def ping():
        done.set()

    consumer = huey.create_consumer(
        workers=1, worker_type="thread", initial_delay=0.01, max_delay=0.05, periodic=False
    )
    consumer.scheduler.start()
    for _, worker in consumer.worker_threads:
        worker.start()
    ping()
    assert done.wait(5)
    consumer.stop(graceful=True)


def test_drain_stops_at_the_first_short_round_or_hands_over_when_rounds_run_out():
    from servewell.core.jobs import drain

    backlog = [250]

    def take_up_to_100() -> int:
        taken = min(100, backlog[0])
        backlog[0] -= taken
        return taken

    assert drain(take_up_to_100, batch=100) is True and backlog == [0]
    backlog[0] = 1_000
    assert drain(take_up_to_100, batch=100, rounds=3) is False  # the next job goes on
    assert backlog == [700]


@pytest.mark.django_db(transaction=True)
def test_jobs_of_one_lane_take_turns_while_other_jobs_run_beside_them(real_queue):
    """Two worker threads: the stages of one flow never run side by side, but a job of
    no lane still gets the other thread."""
    spans: dict[str, list[float]] = {}

    def stage(key):
        spans[key] = [time.monotonic()]
        time.sleep(0.3)
        spans[key].append(time.monotonic())

    in_lane = real_queue.task(retries=0, name="lane_stage")(jobs._in_lane("flow", stage))
    beside = real_queue.task(retries=0, name="free_stage")(stage)
    try:
        in_lane("filed")
        in_lane("started")
        assert _wait_for(lambda: len(spans) == 2 and all(len(s) == 2 for s in spans.values()))
        first, second = sorted(spans.values())
        assert second[0] >= first[1]  # the second stage began after the first ended
        spans.clear()
        beside("one")
        beside("two")
        assert _wait_for(lambda: len(spans) == 2 and all(len(s) == 2 for s in spans.values()))
        first, second = sorted(spans.values())
        assert second[0] < first[1]  # side by side
    finally:
        real_queue._registry.unregister(in_lane.task_class)
        real_queue._registry.unregister(beside.task_class)
