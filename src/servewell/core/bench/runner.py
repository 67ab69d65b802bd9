"""The child side of ``servewell bench``: set up the throwaway database, run the groups.

Started by ``launch.run_isolated`` only (it refuses to run without the mark that function
sets, so it can never be pointed at a real database by hand). Figures go to stdout, one
JSON object a line; everything else, including anything a group or the server prints,
goes to stderr.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from servewell.core.bench import SCALES
from servewell.core.bench.launch import CHILD_MARK

FIRST = "foundation"


@dataclass(frozen=True)
class Group:
    name: str
    module: str
    run: Callable[[Any], Iterator[dict[str, Any]]]


@dataclass(frozen=True)
class Broken:
    """A bench module that could not be imported or does not follow the contract."""

    module: str
    error: str


def discover() -> tuple[list[Group], list[Broken]]:
    """The bench module each app declares in its contract, foundation first, then by
    group name, so runs line up figure by figure."""
    from servewell.core import contract

    groups, broken = [], []
    for name in contract.bench_modules():
        try:
            module = importlib.import_module(name)
            groups.append(Group(module.GROUP, name, module.run))
        except Exception:
            broken.append(Broken(name, traceback.format_exc()))
    return sorted(groups, key=lambda g: (g.name != FIRST, g.name)), broken


def run_groups(ctx: Any, groups: Iterable[Group], out: IO[str]) -> int:
    """Print each group's figures as they come; a crashing group is reported on stderr
    and the next one runs. Returns how many groups crashed."""
    crashed = 0
    for group in groups:
        print(f"bench: {group.name} ({ctx.scale}) …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            for figure in group.run(ctx):
                _check_figure(figure)
                out.write(json.dumps(figure) + "\n")
                out.flush()
        except Exception as exc:
            crashed += 1
            traceback.print_exc(file=sys.stderr)
            print(f"bench: error: group {group.name} crashed: {exc!r}", file=sys.stderr)
            continue
        took = time.perf_counter() - started
        print(f"bench: {group.name} done in {took:.1f} s", file=sys.stderr, flush=True)
    return crashed


def _check_figure(figure: Any) -> None:
    if not isinstance(figure, dict) or not {"figure", "value", "unit", "scale"} <= set(figure):
        raise TypeError(f"a group yielded {figure!r}; build figures with ctx.figure()")


def prepare_database() -> None:
    """Migrate the empty bench database and collect static files (production settings
    render pages through the static manifest), all quietly."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0, stdout=sys.stderr)
    call_command("collectstatic", interactive=False, verbosity=0, stdout=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="servewell-bench-runner")
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--only", nargs="+", action="extend", default=[])
    args = parser.parse_args(argv)
    if os.environ.get(CHILD_MARK) != "1":
        print("bench: start benchmarks with `servewell bench`", file=sys.stderr)
        return 2
    figures_out = _claim_stdout()

    import django

    django.setup()
    groups, broken = discover()
    for b in broken:
        print(b.error, file=sys.stderr)
        print(f"bench: error: {b.module} could not be loaded", file=sys.stderr)
    unknown = sorted(set(args.only) - {g.name for g in groups})
    if unknown:
        known = ", ".join(g.name for g in groups) or "none"
        print(f"bench: error: unknown group {', '.join(unknown)} (known: {known})", file=sys.stderr)
        return 2
    selected = [g for g in groups if not args.only or g.name in args.only]
    prepare_database()

    from servewell.core.bench.context import Context

    crashed = run_groups(Context(args.scale), selected, figures_out)
    return 1 if crashed or broken else 0


def _claim_stdout() -> IO[str]:
    """Keep the real stdout for figures only and point file descriptor 1 at stderr, so a
    stray print (ours, a library's, a subprocess's) cannot break the JSON lines."""
    sys.stdout.flush()
    figures_out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    return figures_out


if __name__ == "__main__":
    sys.exit(main())
