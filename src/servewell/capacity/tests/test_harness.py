"""The load harness itself: Locust agents against a real server, briefly."""

from __future__ import annotations

import pytest

from servewell.capacity import bench, world
from servewell.core.bench import load
from tests.support.db import database_url

pytestmark = pytest.mark.skipif(bool(load.locust_missing()), reason="Locust is not installed")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_agents_work_a_live_server_without_errors(tmp_path):
    size = world.Size(
        conversations=80, contacts=20, agents=4, working_set=5, steps=(2,), settle_s=1, measure_s=5
    )
    made = world.build(size, tmp_path / "world")
    server_env = {"DATABASE_URL": database_url(), "DEBUG": "1"}
    driver_env = {"SERVEWELL_CAPACITY_WORLD": str(made.path), "SERVEWELL_CAPACITY_PACE": "0.05"}
    with (
        load.serve_like_run(env=server_env) as server,
        load.driver(bench.LOCUSTFILE, server, env=driver_env) as driver,
    ):
        step = driver.step(2, spawn_rate=10, settle_s=2, measure_s=5)
    errors = {k: v.get("error") for k, v in step.by_name.items() if v["failures"]}
    assert step.requests > 5 and step.failures == 0, errors
    # A conversation page watches it over its stream: no presence polls.
    assert "SSE /queue/stream/?conversation= (open)" in step.by_name, sorted(step.by_name)
    assert step.server_cpu_s > 0 and step.server_rss_mb > 20
    if load.machine_ticks() is not None:  # Linux: the step says how busy the cores were
        assert step.machine_busy is not None and 0 < step.machine_busy <= 1
    assert step.passed(p95_limit_ms=10_000)


def test_busy_share_is_the_busy_part_of_the_ticks_between_two_readings():
    assert load.busy_share((100, 1_000), (150, 1_100)) == 0.5
    assert load.busy_share((100, 1_000), (300, 1_200)) == 1.0
    # No reading, or no time between them: no figure rather than a wrong one.
    assert load.busy_share(None, (150, 1_100)) is None
    assert load.busy_share((100, 1_000), (100, 1_000)) is None
    ticks = load.machine_ticks()
    if ticks is not None:
        busy, total = ticks
        assert 0 <= busy <= total


def test_the_ramp_stops_at_the_first_slow_step_and_narrows_the_gap():
    """The capacity is the largest step that held both limits, found between the last
    good step and the first bad one."""

    def fake(users: int) -> load.Step:
        p95 = 50 + users  # passes up to 150 agents
        return load.Step(users, 30, 1000, 0, p95 / 2, p95, {})

    best, steps = load.ramp(fake, [50, 100, 200, 400], refine=2)
    assert [s.users for s in steps] == [50, 100, 200, 150, 175]
    assert best is not None and best.users == 150

    def erring(users: int) -> load.Step:
        return load.Step(users, 30, 1000, 2 if users > 50 else 0, 10, 20, {})

    best, _ = load.ramp(erring, [50, 100], refine=0)
    assert best is not None and best.users == 50
