"""Builds ``dev.jsonl``: hand-written fragments composed into hard conversations.

Each fragment carries the tags a careful reviewer would give it under the criteria's
definitions (greeting, introduction, specific empathy, apology where the customer was
let down, ownership, next step, closing, rude/sarcastic/profane agent text, the
customer's mood). Labels are computed from those tags only; the scorer never reads them.
Traps are deliberate: "sorry" that is not an apology, dismissive "I understand",
sarcasm, customer profanity, quoted history and signatures that contain the very
phrases the criteria look for, HTML-only bodies, and languages we do not score.

Run: ``python -m servewell.autoqa.devset.generate`` (deterministic: seeded).
"""

from __future__ import annotations

import html
import json
import random
from pathlib import Path

from servewell.autoqa.devset import fragments_de, fragments_en, fragments_es, fragments_other

OUT = Path(__file__).with_name("dev.jsonl")
SEED = 20260512
TEST_SHARE = 0.3  # the held-out split: never tuned on


def pick(rng: random.Random, pool: list) -> tuple:
    return rng.choice(pool)


def compose(rng: random.Random, lang, n: int, prefix: str) -> list[dict]:
    out = []
    for i in range(n):
        out.append(conversation(rng, lang, f"{prefix}{i:03d}"))
    return out


def _agent_text(parts: list[str], html_body: bool) -> str:
    text = "\n\n".join(p for p in parts if p)
    if not html_body:
        return text
    paragraphs = [html.escape(p, quote=True).replace("\n", "<br>") for p in text.split("\n\n")]
    return "<div>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div>"


def conversation(rng: random.Random, lang, cid: str) -> dict:
    customer = rng.choice(lang.CUSTOMER_NAMES)
    agent = rng.choice(lang.AGENT_NAMES)
    issue = pick(rng, lang.ISSUES)
    first_text, let_down, first_mood, situation = issue
    tags: dict[str, set] = {"first": set(), "all": set(), "last": set()}
    chat = rng.random() < 0.35

    def part(pool: list, where: tuple[str, ...] = ("all",), chance: float = 1.0) -> str:
        if rng.random() > chance:
            return ""
        text, labels = pick(rng, pool)
        for w in where:
            tags[w] |= set(labels.split())
        return text.format(c=customer, a=agent, s=situation)

    opener = part(lang.GREETINGS, ("first", "all"), 0.75)
    intro = part(lang.INTROS, ("all",), 0.5)
    # Empathy fragments name the situation; a plain question has none to name.
    empathy = part(lang.EMPATHY, ("all",), 0.7) if situation else ""
    apology = part(lang.APOLOGIES if let_down else lang.SORRY_NOT_APOLOGY, ("all",), 0.65)
    if not let_down and rng.random() < 0.3:
        apology = part(lang.APOLOGIES, ("all",))  # "sorry" where nothing went wrong: N/A
    body = part(lang.BODIES, ("all",))
    extra = part(lang.NEXT_STEPS, ("all",), 0.4)
    rude = part(lang.RUDE, ("all",), 0.18)
    two_rounds = rng.random() < 0.45
    closing_where = ("all",) if two_rounds else ("all", "last")
    closing = part(lang.CLOSINGS, closing_where, 0.65)
    signoff = "" if chat else part(lang.SIGNATURES, closing_where, 0.8)
    first_line = opener if not intro else f"{opener} {intro}".strip()
    parts = [first_line, " ".join(x for x in (empathy, apology) if x), body, extra, rude, closing]
    parts = [p for p in parts if p]
    html_body = not chat and rng.random() < 0.12
    reply = _agent_text(parts, html_body)
    if signoff:
        reply += (
            ("<p>" + html.escape(signoff).replace("\n", "<br>") + "</p>")
            if html_body
            else "\n\n" + signoff
        )
    if not chat and rng.random() < 0.3:
        reply += pick(rng, lang.QUOTED)[0].format(c=customer, a=agent, q=_quote(first_text))
    messages = [
        {"author": "customer", "name": customer, "at": "2026-03-02T09:00:00Z", "text": first_text},
        {"author": "agent", "name": agent, "at": "2026-03-02T09:40:00Z", "text": reply},
    ]
    last_mood = first_mood
    if two_rounds:
        text, mood = pick(rng, lang.CUSTOMER_LAST)
        last_mood = mood
        let_down = let_down or mood < 0  # an angry reply is a let-down in its own right
        messages.append(
            {"author": "customer", "name": customer, "at": "2026-03-02T10:05:00Z", "text": text}
        )
        tags_before = set(tags["all"])
        final = [part(lang.FOLLOW_UPS, ("all",))]
        final.append(part(lang.RUDE, ("all",), 0.08))
        final.append(part(lang.CLOSINGS, ("all", "last"), 0.6))
        messages.append(
            {
                "author": "agent",
                "name": agent,
                "at": "2026-03-02T10:12:00Z",
                "text": " ".join(x for x in final if x),
            }
        )
        del tags_before
    labels = {
        "greeting": "greeting" in tags["first"],
        "introduction": "intro" in tags["all"],
        "empathy": "empathy" in tags["all"],
        "apology": ("apology" in tags["all"]) if let_down else None,
        "ownership": "own" in tags["all"],
        "next_step": "next" in tags["all"],
        "closing": "closing" in tags["last"],
        "rudeness": "rude" in tags["all"],
        "sentiment_trend": _trend(first_mood, last_mood),
    }
    return {
        "id": cid,
        "channel": "chat" if chat else "email",
        "messages": messages,
        "labels": labels,
    }


def _quote(text: str) -> str:
    return "\n".join("> " + line for line in text.splitlines())


def _trend(first: int, last: int) -> str:
    return "improved" if last > first else "worsened" if last < first else "unchanged"


def special_cases() -> list[dict]:
    """Bad input and languages we do not score: all must be abstained from."""
    cases = []
    for i, (code, text_c, text_a) in enumerate(fragments_other.OTHER):
        cases.append(
            {
                "id": f"xx{i:03d}",
                "channel": "email",
                "messages": [
                    {
                        "author": "customer",
                        "name": "C",
                        "at": "2026-03-02T09:00:00Z",
                        "text": text_c,
                    },
                    {"author": "agent", "name": "A", "at": "2026-03-02T09:30:00Z", "text": text_a},
                ],
                "labels": {"abstain": f"language {code}"},
            }
        )
    return cases


def build() -> list[dict]:
    rng = random.Random(SEED)
    rows = compose(rng, fragments_en, 230, "en")
    rows += compose(rng, fragments_es, 45, "es")
    rows += compose(rng, fragments_de, 45, "de")
    rows += special_cases()
    for row in rows:
        row["split"] = "test" if rng.random() < TEST_SHARE else "dev"
    return rows


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} conversations written to {OUT}")


if __name__ == "__main__":
    main()
