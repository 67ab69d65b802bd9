# ruff: noqa: E501  (conversation texts read best unwrapped)
"""The scoring engine, without the database."""

from __future__ import annotations

import json

from servewell.autoqa import devset, engine


def conv(*messages: tuple[str, str], **extra) -> dict:
    return {"id": "t", "messages": [{"author": a, "text": t} for a, t in messages], **extra}


def test_every_evidence_span_quotes_the_original_text_exactly():
    for row in devset.rows():
        out = engine.score(devset.unlabelled(row))
        for verdict in out["criteria"].values():
            for e in verdict["evidence"]:
                if "message" in e:
                    text = row["messages"][e["message"]]["text"]
                    assert text[e["start"] : e["end"]] == e["quote"]


def test_quoted_history_and_signature_never_trigger_agent_criteria():
    reply = (
        "Your invoice is attached.\n\n--\nBen\nMy name is Ben and I'm so sorry. Have a great day!"
        "\n\nOn Mon, 2 Mar 2026, Ruth wrote:\n> You idiots, my parcel is late!\n> I'm sorry for shouting"
    )
    out = engine.score(conv(("customer", "My parcel is late and I'm angry."), ("agent", reply)))
    c = out["criteria"]
    assert not c["introduction"]["value"] and not c["apology"]["value"]
    assert not c["closing"]["value"] and not c["rudeness"]["value"]
    assert c["apology"]["searched"] == [1]


def test_customer_profanity_is_not_agent_rudeness():
    out = engine.score(
        conv(
            ("customer", "Where the fuck is my order? This is shit."),
            ("agent", "Hi Ruth, I've resent it today."),
        )
    )
    assert out["criteria"]["rudeness"]["value"] is False


def test_sorry_for_the_wait_is_no_apology_when_nothing_went_wrong():
    out = engine.score(
        conv(
            ("customer", "Can I change my delivery address please?"),
            ("agent", "Sorry for the wait, your address is updated now."),
        )
    )
    assert out["criteria"]["apology"]["value"] is None


def test_dismissive_and_sarcastic_understanding_is_not_empathy():
    for line in (
        "I understand your frustration, but our policy is clear.",
        "Oh, I'm sure that must be very hard for you, waiting two days for a parcel.",
    ):
        out = engine.score(conv(("customer", "My parcel is late again."), ("agent", line)))
        assert out["criteria"]["empathy"]["value"] is False


def test_specific_empathy_counts():
    line = "I can imagine how frustrating it is to wait two weeks for a birthday present."
    out = engine.score(conv(("customer", "My parcel is late again."), ("agent", line)))
    assert out["criteria"]["empathy"]["evidence"][0]["quote"] == line


def test_other_languages_are_abstained_from_with_the_language_named():
    out = engine.score(
        conv(
            ("customer", "Bonjour, ma commande n'est toujours pas arrivée, je suis très déçue."),
            (
                "agent",
                "Bonjour Claire, je suis désolée pour ce retard. Je vais vérifier avec l'entrepôt.",
            ),
        )
    )
    assert out["abstained"] == "not scored: language fr" and out["criteria"] == {}


def test_bad_input_is_abstained_from_or_scored_never_a_crash():
    junk = "".join(chr(i % 32) for i in range(5000))
    cases = [
        {},
        {"messages": []},
        {"messages": "nope"},
        conv(("agent", "")),
        conv(("agent", junk)),
        conv(("customer", "Hi"), ("agent", "<p>Hi Ruth, I&#39;ve refunded you.</p>" * 3)),
        conv(("customer", "My order is late."), ("agent", "Hi Ruth, I've refunded you. " * 40_000)),
        [1, 2],
        {"messages": [None, 3, {"author": "agent", "text": 12}]},
    ]
    for case in cases:
        out = engine.score(case)
        assert out["abstained"] or out["criteria"]
        json.dumps(out)
    html = engine.score(cases[5])
    assert html["criteria"]["ownership"]["value"] is True
    big = engine.score(cases[6])
    assert "long message: only its first part was read" in big["notes"]


def test_agreement_on_the_held_out_split_is_at_least_moderate():
    found = devset.compare(
        (r["labels"], engine.score(devset.unlabelled(r))) for r in devset.rows("test")
    )
    assert devset.summary(found)["kappa_min"] >= 0.6


def test_plain_english_spanish_and_german_skip_langdetect_but_neighbours_do_not():
    from servewell.autoqa.engine import language

    def plainly(text: str) -> str | None:
        return language.plainly([w.lower() for w in language._WORD.findall(text)])

    assert plainly("Hi, my order still has not arrived and I have been waiting a week.") == "en"
    assert plainly("Hola, mi pedido no ha llegado y ya ha pasado una semana, por favor.") == "es"
    assert (
        plainly("Hallo, meine Bestellung ist noch nicht da und ich warte schon so lange.") == "de"
    )
    for neighbour in (
        "Olá, o meu pedido ainda não chegou e já passou uma semana.",
        "Bon dia, la meva comanda encara no ha arribat i ja fa una setmana. Gràcies.",
        "Ciao, ho ricevuto il pacco ma manca un pezzo, potete mandarlo? Grazie mille",
        "Hallo, mijn bestelling is nog steeds niet aangekomen en ik wacht al een week",
        "Bonjour, le colis est arrivé abîmé, pouvez-vous m'envoyer un nouveau produit",
    ):
        assert plainly(neighbour) is None, neighbour
