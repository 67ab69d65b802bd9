"""Demo: score the demo organisation's solved conversations, and link the demo
scorecard's matching criteria to auto criteria so reviews arrive pre-filled."""

from __future__ import annotations

from django.utils import timezone

from servewell.autoqa import scoring
from servewell.autoqa.models import CriterionLink
from servewell.desk.models import Conversation, Status
from servewell.quality.models import Criterion

#: Words in a scorecard criterion's title that name an auto criterion.
TITLE_WORDS = {
    "greet": "greeting",
    "introduc": "introduction",
    "empath": "empathy",
    "apolog": "apology",
    "ownership": "ownership",
    "next step": "next_step",
    "clos": "closing",
    "courteous": "rudeness",
}


def link_by_title() -> int:
    made = 0
    for criterion in Criterion.objects.filter(auto_link__isnull=True):
        title = criterion.title.lower()
        auto = next((a for word, a in TITLE_WORDS.items() if word in title), None)
        if auto:
            CriterionLink.objects.get_or_create(criterion=criterion, defaults={"auto": auto})
            made += 1
    return made


def load_autoqa_demo() -> str:
    links = link_by_title()
    solved = Conversation.objects.filter(status__in=(Status.SOLVED, Status.CLOSED))
    scored = scoring.rescore(solved, now=timezone.now())
    return f"{scored} conversations scored, {links} scorecard criteria linked"
