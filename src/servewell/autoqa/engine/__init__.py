"""The scoring engine: plain Python, no database, so the same code scores a JSON line
(``servewell autoqa score``), a stored conversation (``autoqa.scoring``) and the
benchmark.

``score(data)`` takes one conversation in the JSON-lines shape
(``{"id", "channel", "language"?, "messages": [{"author", "name", "at", "text"}]}``)
and returns ``{"id", "language", "abstained", "criteria", "score", "scorers"}``. It
never raises on bad input: what cannot be judged is abstained from with a reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from servewell.autoqa.engine.doc import BOOLEAN, CRITERIA, Doc, build, settle_language
from servewell.autoqa.engine.rules import RulesScorer

__all__ = ["BOOLEAN", "CRITERIA", "Scorer", "available", "get_scorer", "overall", "score"]

#: Criteria whose "yes" is good, and the critical one whose "yes" zeroes the score.
GOOD = ("greeting", "introduction", "empathy", "apology", "ownership", "next_step", "closing")
CRITICAL = "rudeness"


class Scorer(Protocol):
    name: str
    version: str
    criteria: tuple[str, ...]

    def score(self, doc: Doc) -> dict[str, dict[str, Any]]: ...


_RULES = RulesScorer()


def available() -> dict[str, str]:
    """Scorer name -> why it cannot run here ("" when it can)."""
    from servewell.autoqa.engine import embedding

    return {"rules": "", "embeddings": embedding.unavailable_reason()}


def get_scorer(name: str) -> Scorer:
    if name == "rules":
        return _RULES
    if name == "embeddings":
        from servewell.autoqa.engine import embedding

        return embedding.scorer()
    raise KeyError(f"Unknown scorer {name!r}: choose rules or embeddings.")


def overall(criteria: dict[str, dict[str, Any]]) -> float | None:
    """0-100: the share of the good criteria met (N/A left out); rude text makes it 0."""
    if criteria.get(CRITICAL, {}).get("value") is True:
        return 0.0
    values = [criteria[k]["value"] for k in GOOD if k in criteria]
    values = [v for v in values if v is not None]
    if not values:
        return None
    return round(100 * sum(1 for v in values if v) / len(values), 2)


def score(data: Any, scorers: Sequence[Scorer] | None = None) -> dict[str, Any]:
    """Later scorers override the criteria they cover; rules cover all of them."""
    if not isinstance(data, dict):
        data = {}
    chain = [_RULES, *(s for s in (scorers or ()) if s is not _RULES)]
    doc = build(data)
    out: dict[str, Any] = {
        "id": doc.id,
        "language": None,
        "abstained": None,
        "criteria": {},
        "score": None,
        "scorers": {s.name: s.version for s in chain},
    }
    reason = settle_language(doc, data.get("language"))
    out["language"] = doc.language
    if doc.notes:
        out["notes"] = doc.notes
    if reason:
        out["abstained"] = reason
        return out
    for scorer in chain:
        for key, verdict in scorer.score(doc).items():
            out["criteria"][key] = {**verdict, "scorer": f"{scorer.name}@{scorer.version}"}
    out["criteria"] = {k: out["criteria"][k] for k in CRITERIA if k in out["criteria"]}
    out["score"] = overall(out["criteria"])
    return out
