"""Background jobs on Huey.

Embedded: Huey's SQLite storage, and ``servewell run`` starts an in-process consumer so one
process is enough. Scaled out: ``REDIS_URL`` moves the queue to Redis and any number of
``servewell worker`` processes on any number of machines share it.

Jobs retry with exponential backoff. A job that has used up its retries lands in the
dead-letter list (``FailedJob``) where an admin can replay or discard it.
"""

from __future__ import annotations

import functools
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone
from huey import MemoryHuey, RedisHuey, crontab, signals
from huey.api import Huey
from huey.storage import SqliteStorage

log = logging.getLogger(__name__)


def _build_huey() -> Huey:
    conf = settings.JOBS
    common = {"name": "servewell", "results": False, "utc": True}
    if conf["immediate"]:
        return MemoryHuey(immediate=True, **common)
    if conf["backend"] == "redis":
        return RedisHuey(url=conf["redis_url"], **common)
    from pathlib import Path

    Path(conf["path"]).parent.mkdir(parents=True, exist_ok=True)
    return Huey(storage_class=_SqliteQueue, filename=conf["path"], timeout=20, **common)


class _SqliteQueue(SqliteStorage):
    """Huey's SQLite storage, as durable as the database it serves and no more.

    Huey leaves SQLite at ``synchronous=FULL``: every enqueue waits for an fsync, which
    made queueing a job cost more than filing the email that asked for it. The
    database runs WAL with ``synchronous=NORMAL`` (a process crash loses nothing; a
    power cut may lose the last commits), and the queue now does the same."""

    def _create_connection(self) -> Any:
        conn = super()._create_connection()
        conn.execute("pragma synchronous=1")
        return conn


huey: Huey = _build_huey()


def _with_connections(fn: Callable) -> Callable:
    """Run a job with fresh DB connections, as Django does per request.

    Inline (immediate) jobs run inside the caller's connection and transaction: leave it.
    """

    @functools.wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> Any:
        if huey.immediate:
            return fn(*args, **kwargs)
        close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            close_old_connections()

    return inner


#: One lock per lane, shared by the worker's threads (``job(lane=…)``).
_LANES: dict[str, threading.RLock] = {}


def _in_lane(lane: str, fn: Callable) -> Callable:
    lock = _LANES.setdefault(lane, threading.RLock())

    @functools.wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> Any:
        if huey.immediate:  # inline in the caller, which may itself be in the lane
            return fn(*args, **kwargs)
        with lock:
            return fn(*args, **kwargs)

    return inner


def job(
    *, retries: int = 5, retry_delay: float = 10, backoff: float = 2.0, lane: str | None = None
) -> Callable:
    """Declare a background job: ``fn.enqueue(...)`` runs it after the current commit.

    Arguments must be JSON-friendly (ids, strings): they are replayed from the
    dead-letter list, long after the objects of the moment are gone.

    ``lane``: jobs of one lane run one at a time in a worker process, while its other
    threads take other jobs. The stages of one flow (mail filed, its clocks started,
    its acknowledgements sent) belong in one lane: run side by side they share one
    interpreter lock, so each holds the database's single writer (SQLite) for twice as
    long while the web process waits for it. Measured on a flood of mail: 180 mail/s
    with the stages side by side, 330 in one lane.
    """

    def decorator(fn: Callable) -> Any:
        run = _with_connections(fn)
        if lane is not None:
            run = _in_lane(lane, run)
        task = huey.task(
            retries=retries, retry_delay=retry_delay, retry_backoff=backoff, name=fn.__qualname__
        )(run)

        def enqueue(*args: Any, **kwargs: Any) -> None:
            transaction.on_commit(lambda: task(*args, **kwargs))

        task.enqueue = enqueue
        return task

    return decorator


def drain(step: Callable[[], int], *, batch: int, rounds: int | None = None) -> bool:
    """Run ``step`` (which takes up to ``batch`` waiting rows and returns how many it
    took) until a round comes back short. True when the backlog is empty; False when
    ``rounds`` ran out first, so that the caller queues a follow-up job: one job never
    holds a worker thread for a whole flood, and other jobs get their turn between."""
    done = 0
    while rounds is None or done < rounds:
        if step() < batch:
            return True
        done += 1
    return False


def periodic(**cron: str) -> Callable:
    """Declare a periodic job, scheduled by the worker (crontab fields: minute, hour, …)."""

    def decorator(fn: Callable) -> Any:
        return huey.periodic_task(crontab(**cron), name=fn.__qualname__)(_with_connections(fn))

    return decorator


@huey.signal(signals.SIGNAL_ERROR)
def _dead_letter(signal: str, task: Any, exc: BaseException | None = None) -> None:
    if task.retries:
        return  # Huey will retry it; only the last failure is dead.
    if not huey.immediate:
        close_old_connections()
    record_failure(type(task), list(task.args or ()), exc, kwargs=dict(task.kwargs or {}))


def record_failure(
    task: Any, args: list[Any], exc: BaseException | None, *, kwargs: dict | None = None
) -> None:
    """Put a failure in the dead-letter list, replayable as ``task(*args, **kwargs)``."""
    from servewell.core.models import FailedJob

    task_class = task if isinstance(task, type) else task.task_class
    FailedJob.objects.create(
        task_name=huey._registry.task_to_string(task_class),
        args=args,
        kwargs=kwargs or {},
        error=repr(exc)[:2000],
        traceback="".join(traceback.format_exception(exc))[-8000:] if exc else "",
        failed_at=timezone.now(),
    )
    log.error("job failed for good", extra={"task": task_class.__name__})


class UnknownJob(Exception):
    pass


def replay(failed_job_id: int, *, now: Any = None) -> None:
    """Put a dead job back on the queue with a fresh set of retries."""
    from servewell.core.models import FailedJob

    with transaction.atomic():
        failed = FailedJob.objects.select_for_update().get(pk=failed_job_id)
        try:
            task_class = huey._registry.string_to_task(failed.task_name)
        except Exception:
            raise UnknownJob(f"No job named {failed.task_name!r} is registered.") from None
        failed.replayed_at = now or timezone.now()
        failed.save(update_fields=["replayed_at"])
        transaction.on_commit(
            lambda: huey.enqueue(task_class(tuple(failed.args), dict(failed.kwargs)))
        )


def discard(failed_job_id: int, *, now: Any = None) -> None:
    from servewell.core.models import FailedJob

    FailedJob.objects.filter(pk=failed_job_id, discarded_at=None).update(
        discarded_at=now or timezone.now()
    )


def create_consumer(workers: int | None = None, periodic_jobs: bool = True) -> Any:
    return huey.create_consumer(
        workers=workers or settings.JOBS["workers"],
        worker_type="thread",
        periodic=periodic_jobs,
        initial_delay=0.05,
        max_delay=1.0,
        check_worker_health=True,
    )


@periodic(minute="17", hour="3")
def prune_webhook_deliveries() -> None:
    """Delivered webhook logs older than 30 days are noise; failures are kept."""
    from datetime import timedelta

    from servewell.core.models import WebhookDelivery

    cutoff = timezone.now() - timedelta(days=30)
    WebhookDelivery.objects.filter(status="delivered", created_at__lt=cutoff).delete()


@job(retries=5, retry_delay=5)
def deliver_event(handler_key: str, event: dict[str, Any] | list[dict[str, Any]]) -> None:
    """A durable event subscriber's run (or a replay of any failed subscriber); a batch
    subscriber's events come as a list."""
    from servewell.core import events

    events.deliver(handler_key, event)
