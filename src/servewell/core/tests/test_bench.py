"""`servewell bench`: JSON figures on stdout, measured on a throwaway database."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from servewell.core.bench.context import Context
from servewell.core.bench.runner import Group, run_groups

SERVEWELL = Path(sys.executable).with_name("servewell")
FOUNDATION = ["api.people_list.p95_ms", "page.home.p95_ms", "people.create.per_s"]


def _bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    # The environment of someone running it by hand: no test settings, their own var dir.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "SERVEWELL_TESTING", "DATABASE_URL"}
        and not k.startswith("SERVEWELL_BENCH")
    }
    env["SERVEWELL_VAR_DIR"] = str(tmp_path / "my-var")
    return subprocess.run(
        [str(SERVEWELL), "bench", *args],
        capture_output=True,
        text=True,
        timeout=900,  # a fresh bench database on a busy 2-core machine
        env=env,
        cwd=tmp_path,
    )


def test_bench_prints_the_foundation_figures_without_touching_my_database(tmp_path):
    result = _bench(tmp_path, "--scale", "tiny", "--only", "foundation")

    assert result.returncode == 0, result.stderr
    figures = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(f["figure"] for f in figures) == FOUNDATION
    for figure in figures:
        assert isinstance(figure["value"], int | float) and figure["value"] > 0, figure
        assert figure["unit"], figure
        assert figure["scale"] == "tiny"
    home = next(f for f in figures if f["figure"] == "page.home.p95_ms")
    assert home["people"] == 200 and home["queries"] > 0
    assert not (tmp_path / "my-var" / "servewell.sqlite3").exists()


def test_bench_refuses_an_unknown_group(tmp_path):
    result = _bench(tmp_path, "--scale", "tiny", "--only", "nonsense")

    assert result.returncode != 0
    assert result.stdout == ""
    assert "unknown group nonsense (known: foundation" in result.stderr


def test_a_crashing_group_is_reported_and_the_next_one_still_runs(capsys):
    def crashes(ctx):
        yield {"figure": "a.first", "value": 1, "unit": "ms", "scale": ctx.scale}
        raise ValueError("out of cheese")

    def works(ctx):
        yield {"figure": "b.only", "value": 2, "unit": "ms", "scale": ctx.scale}

    out = io.StringIO()
    crashed = run_groups(
        Context("tiny"),
        [Group("a", "a.bench", crashes), Group("b", "b.bench", works)],
        out,
    )

    assert crashed == 1
    assert [json.loads(line)["figure"] for line in out.getvalue().splitlines()] == [
        "a.first",
        "b.only",
    ]
    assert "group a crashed: ValueError('out of cheese')" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_a_bench_database_is_left_as_a_maintained_one_is():
    """After a bulk load the bench vacuums (PostgreSQL) and analyses: index-only scans
    then read no table rows, as on a database whose autovacuum has run."""
    from django.db import connection

    from servewell.core.bench.context import maintained

    maintained()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL"
                " FROM pg_stat_user_tables WHERE relname = 'desk_conversation'"
            )
            assert cursor.fetchone() == (True, True)
        else:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone()[0] == 1
