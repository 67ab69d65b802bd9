"""Metrics: the standard definitions, and Erlang C against published worked examples."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servewell.livequeue import feed, metrics
from servewell.livequeue.metrics import Outcome
from servewell.livequeue.models import QueueSettings

from .conftest import at

# --- Definitions --------------------------------------------------------------------------

OUTCOMES = [
    Outcome(wait_s=5, answered=True, talk_s=100),
    Outcome(wait_s=15, answered=True, talk_s=200),
    Outcome(wait_s=40, answered=True, talk_s=300),
    Outcome(wait_s=2, answered=False),  # short abandon
    Outcome(wait_s=60, answered=False),  # long abandon
]


def sl(rule):
    return metrics.compute(OUTCOMES, threshold_s=20, short_abandon_s=5, short_abandon_rule=rule)


def test_short_abandons_left_out_of_the_service_level():
    m = sl("exclude")
    assert (m.offered, m.answered_in_time) == (4, 2)
    assert m.service_level == pytest.approx(2 / 4)
    assert m.abandonment_rate == pytest.approx(1 / 4)


def test_short_abandons_counted_as_met():
    m = sl("met")
    assert m.offered == 5
    assert m.service_level == pytest.approx(3 / 5)
    assert m.abandonment_rate == pytest.approx(2 / 5)


def test_short_abandons_counted_as_missed():
    m = sl("unmet")
    assert m.service_level == pytest.approx(2 / 5)


def test_asa_and_aht_are_averages_over_answered_calls():
    m = sl("exclude")
    assert m.asa_s == pytest.approx(20.0)
    assert m.aht_s == pytest.approx(200.0)


def test_nothing_offered_has_no_service_level():
    m = metrics.compute([], threshold_s=20, short_abandon_s=5)
    assert m.service_level is None and m.asa_s is None and m.abandonment_rate is None


@given(
    st.lists(
        st.builds(
            Outcome,
            wait_s=st.floats(0, 600),
            answered=st.booleans(),
            talk_s=st.none() | st.floats(0, 3600),
        ),
        max_size=40,
    ),
    st.sampled_from(["exclude", "met", "unmet"]),
)
def test_service_level_and_abandonment_stay_between_0_and_1(outcomes, rule):
    m = metrics.compute(outcomes, threshold_s=20, short_abandon_s=5, short_abandon_rule=rule)
    for ratio in (m.service_level, m.abandonment_rate):
        assert ratio is None or 0 <= ratio <= 1
    assert m.offered == m.answered + m.abandoned


def test_database_metrics_match_the_definitions(care):
    QueueSettings.objects.create(
        team=care, service_level_seconds=20, short_abandon_seconds=5, short_abandon_rule="met"
    )
    for n, o in enumerate(OUTCOMES):
        call_id = f"c{n}"
        feed.record_event("joined", call_id=call_id, team=care, at=at(0))
        if o.answered:
            feed.record_event("answered", call_id=call_id, team=care, at=at(o.wait_s))
            feed.record_event("completed", call_id=call_id, team=care, at=at(o.wait_s + o.talk_s))
        else:
            feed.record_event("abandoned", call_id=call_id, team=care, at=at(o.wait_s))
    feed.record_event("joined", call_id="still-waiting", team=care, at=at(1))
    result = metrics.period_metrics(care.pk, at(-60), at(3600))
    expected = sl("met")
    for name in ("offered", "answered", "abandoned", "answered_in_time", "short_abandoned"):
        assert result[name] == getattr(expected, name), name
    for name in ("service_level", "asa_s", "aht_s", "abandonment_rate"):
        assert result[name] == pytest.approx(getattr(expected, name)), name
    assert result["joined"] == 6


# --- Erlang --------------------------------------------------------------------------------


def erlang_c_direct(a: float, n: int) -> float:
    """The textbook formula, summed term by term — an independent check of the module's
    recursion through Erlang B."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def test_erlang_b_matches_the_published_table():
    # Erlang B table: 2 E on 5 lines blocks 3.67 %; 10 E on 14 lines 5.68 %.
    assert metrics.erlang_b(2, 5) == pytest.approx(0.0367, abs=5e-5)
    assert metrics.erlang_b(10, 14) == pytest.approx(0.0568, abs=5e-5)
    assert metrics.erlang_b(1, 1) == pytest.approx(0.5)


@pytest.mark.parametrize(("a", "n"), [(5, 6), (5, 7), (48, 55), (10, 13), (0.5, 2), (30, 31)])
def test_erlang_c_recursion_agrees_with_the_direct_sum(a, n):
    assert metrics.erlang_c(a, n) == pytest.approx(erlang_c_direct(a, n), rel=1e-9)


def test_the_classic_worked_example_360_calls_per_half_hour():
    """360 calls in 30 minutes, 4-minute calls, 55 agents, answer within 15 s
    (the Erlang C walk-through used by call-centre calculators): 48 Erlangs, P(wait)
    23.87 %, ASA 8.18 s, 84.6 % answered within 15 s."""
    traffic = 360 / 1800 * 240
    assert traffic == 48
    assert metrics.erlang_c(traffic, 55) == pytest.approx(0.2387, abs=1e-4)
    assert metrics.erlang_asa(traffic, 55, 240) == pytest.approx(8.18, abs=0.01)
    assert metrics.erlang_service_level(traffic, 55, 240, 15) == pytest.approx(0.8459, abs=1e-4)


def test_100_calls_an_hour_of_3_minutes_is_5_erlangs():
    staffing = metrics.agents_needed(100, 180, target_sl=0.8, target_s=20)
    assert staffing.traffic_erlangs == pytest.approx(5.0)
    # Six agents reach only 47 % in 20 s, seven 74 %: eight are needed for 80/20.
    assert metrics.erlang_service_level(5, 6, 180, 20) == pytest.approx(0.4743, abs=1e-4)
    assert metrics.erlang_service_level(5, 7, 180, 20) == pytest.approx(0.7404, abs=1e-4)
    assert staffing.agents == 8
    assert staffing.service_level >= 0.8


def test_staffing_for_the_classic_example_meets_80_in_20():
    staffing = metrics.agents_needed(720, 240, target_sl=0.8, target_s=20)
    assert staffing.traffic_erlangs == 48
    assert staffing.agents == 54
    assert metrics.erlang_service_level(48, 53, 240, 20) < 0.8 <= staffing.service_level


def test_overloaded_queue_has_no_service_level():
    assert metrics.erlang_c(5, 5) == 1.0
    assert metrics.erlang_service_level(5, 4, 180, 20) == 0.0
    assert metrics.agents_needed(0, 180, target_sl=0.8, target_s=20) is None
