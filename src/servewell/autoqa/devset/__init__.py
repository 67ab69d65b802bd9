"""The labelled development set and how the scorer is measured against it."""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from servewell.autoqa import agreement
from servewell.autoqa.engine import BOOLEAN, CRITERIA

PATH = Path(__file__).with_name("dev.jsonl")
TREND_ORDER = ("worsened", "unchanged", "improved")


def rows(split: str | None = None) -> Iterator[dict[str, Any]]:
    with PATH.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if split is None or row.get("split") == split:
                yield row


def unlabelled(row: dict[str, Any]) -> dict[str, Any]:
    """What the scorer sees: the conversation without its labels or split."""
    return {k: v for k, v in row.items() if k not in ("labels", "split")}


def compare(
    results: Iterable[tuple[dict[str, Any], dict[str, Any]]],
) -> dict[str, agreement.Agreement]:
    """Per criterion agreement of ``(labels, scored)`` pairs; abstentions left out."""
    pairs: dict[str, list] = {key: [] for key in CRITERIA}
    for labels, scored in results:
        if scored.get("abstained") or "abstain" in labels:
            continue
        for key in CRITERIA:
            if key in labels and key in scored["criteria"]:
                pairs[key].append((labels[key], scored["criteria"][key]["value"]))
    return {
        key: agreement.measure(p, TREND_ORDER if key == "sentiment_trend" else None)
        for key, p in pairs.items()
    }


def summary(found: dict[str, agreement.Agreement]) -> dict[str, float | None]:
    kappas = [found[k].kappa for k in BOOLEAN if found[k].kappa is not None]
    return {
        "kappa_min": min(kappas) if kappas else None,
        "kappa_median": statistics.median(kappas) if kappas else None,
    }
