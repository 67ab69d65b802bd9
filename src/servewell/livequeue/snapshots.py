"""Wallboard snapshots pushed after queue changes — coalesced, off the request path.

A snapshot (today's service level, ASA, abandonment, people available …) costs several
aggregate queries. A busy phone system sends events many times a second per team, and
the wallboard only needs the result of the latest one, promptly. So a change only
*requests* a snapshot of its team; one background thread per process collects requests
for ``DELAY_S`` and then publishes one snapshot per requested team (trailing edge: the
last change is always included). Screens are updated within about ``DELAY_S`` plus a
query, well under the second the wallboard promises, and the feed endpoint does not pay
for them.

Under the test settings (``TESTING``) snapshots are published inline instead, so tests
see them deterministically and no thread touches the test's transaction.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from servewell.livequeue import fanout, queries
from servewell.people.models import Team

log = logging.getLogger(__name__)

DELAY_S = 0.15


def request(team_id: int) -> None:
    """Ask for a fresh snapshot of the team once the current transaction commits."""
    transaction.on_commit(lambda: publisher.request(team_id))


def publish_now(team_ids: set[int] | list[int]) -> int:
    now = timezone.now()
    teams = Team.objects.filter(pk__in=team_ids).select_related("calendar")
    count = 0
    for team in teams:
        snapshot = queries.team_snapshot(team, now)
        fanout.publish({"type": "snapshot", "team": team.pk, "data": snapshot})
        count += 1
    return count


class Publisher:
    def __init__(self, delay_s: float = DELAY_S) -> None:
        self.delay_s = delay_s
        self._pending: set[int] = set()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def request(self, team_id: int) -> None:
        if settings.TESTING:
            publish_now([team_id])
            return
        with self._wake:
            self._pending.add(team_id)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="livequeue-snapshots", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._pending:
                    self._wake.wait()
            time.sleep(self.delay_s)  # let a burst of events gather
            with self._wake:
                team_ids, self._pending = self._pending, set()
            close_old_connections()
            try:
                publish_now(team_ids)
            except Exception:
                log.exception("publishing wallboard snapshots failed")
            finally:
                close_old_connections()


publisher = Publisher()
