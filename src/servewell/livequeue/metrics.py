"""Queue metrics with the standard contact-centre definitions, and Erlang C staffing.

Definitions (over the calls that *joined* the queue in the period and have left it —
a call still waiting is not yet offered):

- **offered** = answered + abandoned; with the short-abandon rule ``exclude``, callers
  who hung up within ``short_abandon_seconds`` are taken out of every figure.
- **service level** = answered within T seconds ÷ offered. Short abandons count in the
  numerator and the denominator under ``met``, in the denominator only under ``unmet``,
  and nowhere under ``exclude``. Long abandons are always missed.
- **ASA** (average speed of answer) = mean wait of the answered calls.
- **AHT** (average handle time) = mean talk time of the completed calls (talk time is all
  the telephony feed tells us; wrap-up is not included).
- **abandonment rate** = abandoned ÷ offered (short abandons excluded under ``exclude``).

Erlang C models the queue as M/M/N: Poisson arrivals, exponential handle times, N agents,
callers who wait without giving up. With traffic ``A = arrival rate × AHT`` (Erlangs):
P(wait) = C(N, A); SL(T) = 1 − C·e^(−(N−A)·T/AHT); ASA = C·AHT/(N−A).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Q

from servewell.livequeue.models import Call, CallState, QueueSettings, ShortAbandonRule


@dataclass(frozen=True)
class Outcome:
    """What the metrics need to know about one call that has left the queue."""

    wait_s: float | None
    answered: bool
    talk_s: float | None = None


@dataclass(frozen=True)
class Counts:
    answered: int = 0
    answered_in_time: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    wait_sum_s: float = 0.0
    waits_known: int = 0
    talk_sum_s: float = 0.0
    talks_known: int = 0


@dataclass(frozen=True)
class QueueMetrics:
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    answered_in_time: int
    service_level: float | None  # 0..1; None when nothing was offered
    asa_s: float | None
    aht_s: float | None
    abandonment_rate: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def count(outcomes: list[Outcome], *, threshold_s: float, short_abandon_s: float) -> Counts:
    answered = [o for o in outcomes if o.answered]
    abandoned = [o for o in outcomes if not o.answered]
    waits = [o.wait_s for o in answered if o.wait_s is not None]
    talks = [o.talk_s for o in answered if o.talk_s is not None]
    return Counts(
        answered=len(answered),
        answered_in_time=sum(1 for w in waits if w <= threshold_s),
        abandoned=len(abandoned),
        short_abandoned=sum(
            1 for o in abandoned if o.wait_s is not None and o.wait_s < short_abandon_s
        ),
        wait_sum_s=float(sum(waits)),
        waits_known=len(waits),
        talk_sum_s=float(sum(talks)),
        talks_known=len(talks),
    )


def summarise(counts: Counts, *, short_abandon_rule: str) -> QueueMetrics:
    rule = ShortAbandonRule(short_abandon_rule)
    short = counts.short_abandoned
    abandoned = counts.abandoned - short if rule == ShortAbandonRule.EXCLUDE else counts.abandoned
    offered = counts.answered + abandoned
    met = counts.answered_in_time + (short if rule == ShortAbandonRule.MET else 0)
    return QueueMetrics(
        offered=offered,
        answered=counts.answered,
        abandoned=abandoned,
        short_abandoned=short,
        answered_in_time=counts.answered_in_time,
        service_level=met / offered if offered else None,
        asa_s=counts.wait_sum_s / counts.waits_known if counts.waits_known else None,
        aht_s=counts.talk_sum_s / counts.talks_known if counts.talks_known else None,
        abandonment_rate=abandoned / offered if offered else None,
    )


def compute(
    outcomes: list[Outcome],
    *,
    threshold_s: float,
    short_abandon_s: float,
    short_abandon_rule: str = ShortAbandonRule.EXCLUDE,
) -> QueueMetrics:
    """The definitions above, on plain values (what the database query also computes)."""
    counts = count(outcomes, threshold_s=threshold_s, short_abandon_s=short_abandon_s)
    return summarise(counts, short_abandon_rule=short_abandon_rule)


# --- Erlang ---------------------------------------------------------------------------


def erlang_b(traffic: float, agents: int) -> float:
    """Blocking probability, by the stable recursion B(k) = A·B(k−1) / (k + A·B(k−1))."""
    if agents < 0 or traffic < 0:
        raise ValueError("traffic and agents must not be negative")
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a caller waits. 1 when the agents cannot keep up (N ≤ A)."""
    if agents <= traffic:
        return 1.0
    b = erlang_b(traffic, agents)
    return agents * b / (agents - traffic * (1 - b))


def erlang_service_level(traffic: float, agents: int, aht_s: float, target_s: float) -> float:
    if agents <= traffic:
        return 0.0
    c = erlang_c(traffic, agents)
    return max(0.0, 1 - c * math.exp(-(agents - traffic) * target_s / aht_s))


def erlang_asa(traffic: float, agents: int, aht_s: float) -> float:
    if agents <= traffic:
        return math.inf
    return erlang_c(traffic, agents) * aht_s / (agents - traffic)


@dataclass(frozen=True)
class Staffing:
    calls_per_hour: float
    aht_s: float
    traffic_erlangs: float
    agents: int
    service_level: float
    probability_wait: float
    asa_s: float
    occupancy: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def agents_needed(
    calls_per_hour: float,
    aht_s: float,
    *,
    target_sl: float,
    target_s: float,
    max_agents: int = 10_000,
) -> Staffing | None:
    """The fewest agents whose Erlang C service level reaches ``target_sl`` (0..1)."""
    if calls_per_hour <= 0 or aht_s <= 0:
        return None
    traffic = calls_per_hour * aht_s / 3600
    agents = max(1, math.floor(traffic) + 1)
    while agents <= max_agents:
        sl = erlang_service_level(traffic, agents, aht_s, target_s)
        if sl >= target_sl:
            return Staffing(
                calls_per_hour=calls_per_hour,
                aht_s=aht_s,
                traffic_erlangs=traffic,
                agents=agents,
                service_level=sl,
                probability_wait=erlang_c(traffic, agents),
                asa_s=erlang_asa(traffic, agents, aht_s),
                occupancy=traffic / agents,
            )
        agents += 1
    return None


# --- From the database -----------------------------------------------------------------

_ANSWERED = Q(state__in=[CallState.ANSWERED, CallState.COMPLETED])
_ABANDONED = Q(state=CallState.ABANDONED)


def settings_for(team_id: int) -> QueueSettings:
    """The team's settings, or the defaults when it has none yet (not saved)."""
    found = QueueSettings.objects.filter(team_id=team_id).first()
    return found or QueueSettings(team_id=team_id)


def period_metrics(
    team_id: int, start: datetime, end: datetime, qs: QueueSettings | None = None
) -> dict[str, Any]:
    """Metrics for calls that joined in [start, end): one aggregate query (+1 for settings)."""
    qs = qs or settings_for(team_id)
    calls = Call.objects.filter(team_id=team_id, joined_at__gte=start, joined_at__lt=end)
    agg = calls.aggregate(
        joined=Count("id"),
        answered=Count("id", filter=_ANSWERED),
        answered_in_time=Count("id", filter=_ANSWERED & Q(wait_s__lte=qs.service_level_seconds)),
        abandoned=Count("id", filter=_ABANDONED),
        short_abandoned=Count("id", filter=_ABANDONED & Q(wait_s__lt=qs.short_abandon_seconds)),
        waits_known=Count("id", filter=_ANSWERED & Q(wait_s__isnull=False)),
        asa=Avg("wait_s", filter=_ANSWERED),
        talks_known=Count("id", filter=_ANSWERED & Q(talk_s__isnull=False)),
        aht=Avg("talk_s", filter=_ANSWERED),
    )
    counts = Counts(
        answered=agg["answered"],
        answered_in_time=agg["answered_in_time"],
        abandoned=agg["abandoned"],
        short_abandoned=agg["short_abandoned"],
        wait_sum_s=(agg["asa"] or 0.0) * agg["waits_known"],
        waits_known=agg["waits_known"],
        talk_sum_s=(agg["aht"] or 0.0) * agg["talks_known"],
        talks_known=agg["talks_known"],
    )
    result = summarise(counts, short_abandon_rule=qs.short_abandon_rule).as_dict()
    hours = max((end - start).total_seconds(), 1.0) / 3600
    result.update(
        joined=agg["joined"],
        calls_per_hour=agg["joined"] / hours,
        service_level_seconds=qs.service_level_seconds,
        service_level_target_pct=qs.service_level_target_pct,
        short_abandon_seconds=qs.short_abandon_seconds,
        short_abandon_rule=qs.short_abandon_rule,
    )
    return result


def staffing_suggestion(metrics: dict[str, Any]) -> Staffing | None:
    """Erlang C for the arrival rate and handle time observed in ``metrics``."""
    if not metrics.get("aht_s") or not metrics.get("calls_per_hour"):
        return None
    return agents_needed(
        metrics["calls_per_hour"],
        metrics["aht_s"],
        target_sl=metrics["service_level_target_pct"] / 100,
        target_s=metrics["service_level_seconds"],
    )
