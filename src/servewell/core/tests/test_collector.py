"""The collector settings every long-running process starts with (core.collector)."""

import gc
import subprocess
import sys

import pytest

from servewell.core import collector


def _thresholds_in_a_server_process(env: dict[str, str]) -> str:
    """Load the ASGI application as a web process does, in a fresh interpreter."""
    code = (
        "import gc, servewell.config.asgi; print(','.join(map(str, gc.get_threshold())), "
        "gc.get_freeze_count() > 10000)"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_a_web_process_collects_rarely_and_leaves_what_it_loaded_at_start_alone(monkeypatch):
    import os

    env = {k: v for k, v in os.environ.items() if k != "SERVEWELL_GC_THRESHOLDS"}
    assert _thresholds_in_a_server_process(env) == "50000,20,100 True"
    env["SERVEWELL_GC_THRESHOLDS"] = "700,10,10"
    assert _thresholds_in_a_server_process(env) == "700,10,10 True"


@pytest.mark.parametrize("bad", ["700,10", "a,b,c", "0,10,10", "700,-1,10"])
def test_a_wrong_setting_is_refused_with_its_name(monkeypatch, bad):
    monkeypatch.setenv("SERVEWELL_GC_THRESHOLDS", bad)
    before = gc.get_threshold()
    with pytest.raises(ValueError, match="SERVEWELL_GC_THRESHOLDS"):
        collector.settle()
    assert gc.get_threshold() == before
