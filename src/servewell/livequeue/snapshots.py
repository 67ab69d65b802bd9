"""What a queue event sets off — the team's alarms judged, its wallboard snapshot pushed —
coalesced per team and off the request path.

Storing a telephony event takes a few statements. Judging the team's alarms (its rules,
its open alarms, the waiting count, and today's service level for a service-level rule)
and building a wallboard snapshot (several aggregates over today's calls) take many
more, and a busy contact centre sends many events a second per team. Both only need the
queue as it is after the latest event, so the feed stores the event and *requests* a
refresh of the team once its transaction commits; one background thread per process
then refreshes the teams asked for:

- **leading edge**: a team not refreshed within the last ``INTERVAL_S`` is refreshed at
  once, so a lone event that crosses a rule raises the alarm without waiting;
- **trailing edge**: the requests that arrive while a team was refreshed less than
  ``INTERVAL_S`` ago are merged into one refresh at ``INTERVAL_S`` after the previous
  one, which reads the queue after all of them (a request is made after its event
  commits, so the refresh that answers it sees it);
- **one at a time**: a single thread refreshes, so at most one refresh of a team is in
  flight, and a burst of events costs a handful of refreshes, not one each.

So an alarm is raised at most ``INTERVAL_S`` plus one round of refreshes after the event
that changed the queue, and the wallboard's snapshot (today's figures, many times the
cost of the judgement) follows at most ``SNAPSHOT_EVERY_S`` after the previous one; the
feed endpoint never waits on either: telephony events never queue behind a snapshot. The minute tick
(``tasks.evaluate_all_teams``) still judges every team, the backstop should a process
stop with a refresh pending.

Under the test settings (``TESTING``) the alarms are judged inline, in the feed's
transaction and at the event's ``now``, and snapshots are published on commit, so tests
see both deterministically and no thread touches the test's transaction. A ``Refresher``
built with ``inline=False`` is the production one (the tests of the coalescing use it).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from servewell.livequeue import alarm, fanout, queries
from servewell.people.models import Team

log = logging.getLogger(__name__)

#: The least time between two refreshes of one team (the trailing edge of a burst).
INTERVAL_S = 0.1
#: The least time between two wallboard snapshots of one team pushed after events.
SNAPSHOT_EVERY_S = 1.0


def request(team: Team, *, now: datetime | None = None) -> None:
    """Ask for the team's alarms to be judged and its snapshot pushed, once the current
    transaction commits (never for a state that rolls back)."""
    if refresher.inline:
        alarm.evaluate(team, now=now)
        transaction.on_commit(lambda: publish_now([team.pk]))
        return
    team_id = team.pk
    transaction.on_commit(lambda: refresher.request(team_id))


def refresh_teams(team_ids: Iterable[int]) -> int:
    """Judge the alarms of each team as its queue is now, then push its snapshot (which
    lists the alarms just raised). Returns how many teams were refreshed."""
    now = timezone.now()
    teams = list(Team.objects.filter(pk__in=list(team_ids)).select_related("calendar"))
    for team in teams:
        # Not in a transaction of its own: on SQLite that took the writer's lock for the
        # whole judgement (its reads included) several times a second per busy team, and
        # the feed's writes queued behind it. Raising and clearing are safe without it:
        # one open alarm per rule is a constraint, and a clear is a conditional update.
        alarm.evaluate(team, now=now)
    # The wallboard's snapshot (today's figures over every call of the day) costs many
    # times the alarm judgement and grows with the day: it has a refresher of its own,
    # at most once a second per team, pushed at once after a quiet spell and never lost
    # at the end of a burst (a raised alarm goes out on its own at once, see ``alarm``);
    # and only while a screen shows snapshots (``fanout.WATCHED_KEY``).
    if fanout.snapshots_watched():
        for team in teams:
            snapshot_refresher.request(team.pk)
    return len(teams)


def publish_now(team_ids: set[int] | list[int]) -> int:
    teams = Team.objects.filter(pk__in=team_ids).select_related("calendar")
    return _publish(teams, timezone.now())


def _publish(teams: Iterable[Team], now: datetime) -> int:
    count = 0
    for team in teams:
        snapshot = queries.team_snapshot(team, now)
        fanout.publish({"type": "snapshot", "team": team.pk, "data": snapshot})
        count += 1
    return count


class Refresher:
    """Coalesces refresh requests per team (see the module's docstring). ``clock`` and
    ``work`` are parameters so that the scheduling can be tested without sleeping."""

    def __init__(
        self,
        work: Callable[[set[int]], object] = refresh_teams,
        *,
        interval_s: float = INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
        inline: bool | None = None,
    ) -> None:
        self.work = work
        self.interval_s = interval_s
        self.clock = clock
        self._inline = inline
        self._pending: dict[int, float] = {}  # team -> when first asked since its refresh
        self._last: dict[int, float] = {}  # team -> when its latest refresh started
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    @property
    def inline(self) -> bool:
        return settings.TESTING if self._inline is None else self._inline

    def request(self, team_id: int) -> None:
        with self._wake:
            self.ask(team_id)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="livequeue-refresh", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def ask(self, team_id: int) -> None:
        """Note the request (the thread's part is ``take_due``). Call with the lock held."""
        self._pending.setdefault(team_id, self.clock())

    def due_at(self, team_id: int) -> float | None:
        """When the team's pending refresh will run (None: nothing pending)."""
        asked = self._pending.get(team_id)
        if asked is None:
            return None
        return max(asked, self._last.get(team_id, -math.inf) + self.interval_s)

    def take_due(self) -> tuple[set[int], float | None]:
        """The teams whose refresh is due now (marked as started), and when the next of
        the others falls due. Call with the lock held (the thread does)."""
        now = self.clock()
        ready, next_at = set(), None
        for team_id in list(self._pending):
            at = self.due_at(team_id)
            assert at is not None
            if at <= now:
                ready.add(team_id)
                del self._pending[team_id]
                self._last[team_id] = now
            elif next_at is None or at < next_at:
                next_at = at
        if len(self._last) > 1000:  # forget teams that have been quiet for a while
            self._last = {t: s for t, s in self._last.items() if s + self.interval_s > now}
        return ready, next_at

    def _run(self) -> None:
        while True:
            with self._wake:
                while True:
                    ready, next_at = self.take_due()
                    if ready:
                        break
                    self._wake.wait(None if next_at is None else max(0.0, next_at - self.clock()))
            close_old_connections()
            try:
                self.work(ready)
            except Exception:
                log.exception("refreshing the live queue of teams %s failed", sorted(ready))
            finally:
                close_old_connections()


refresher = Refresher()
snapshot_refresher = Refresher(publish_now, interval_s=SNAPSHOT_EVERY_S)
