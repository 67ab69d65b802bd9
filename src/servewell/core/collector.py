"""Garbage-collector settings for the long-running processes: the web processes and the
job worker.

Why: CPython's defaults (a young collection every 700 new objects, a full one every
hundred of those) suit scripts. A web process holding thousands of open screens keeps a
large, long-lived heap, and a full collection walks all of it: hundreds of
milliseconds with every stream of that process waiting. Measured with 5,000 screens on
two processes, an alarm reached 95 % of them within 671 ms with the defaults and
within 141 ms with these thresholds; the alarm's p50 barely moved. What Django imported
at start-up is frozen out of the collector's sight (``gc.freeze``): it lives as long
as the process, and no collection needs to walk it again.

Reference counting still frees almost everything at once; the collector only looks for
cycles, which now accumulate a little longer between collections.
``SERVEWELL_GC_THRESHOLDS`` ("700,10,10" for CPython's defaults) overrides.
"""

from __future__ import annotations

import gc
import os

#: Young, middle and old generation thresholds (see ``gc.set_threshold``).
THRESHOLDS = (50_000, 20, 100)


def thresholds() -> tuple[int, ...]:
    raw = os.environ.get("SERVEWELL_GC_THRESHOLDS", "").strip()
    if not raw:
        return THRESHOLDS
    try:
        values = tuple(int(part) for part in raw.split(","))
    except ValueError:
        values = ()
    if len(values) != 3 or values[0] < 1 or min(values) < 0:
        raise ValueError(
            f"SERVEWELL_GC_THRESHOLDS={raw!r}: give three whole numbers, e.g. 700,10,10"
        )
    return values


def settle() -> None:
    """Call once the process has loaded what it keeps for its lifetime."""
    wanted = thresholds()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*wanted)
