"""Which scorecard criterion an auto criterion answers in advance.

A link makes reviews of that scorecard arrive pre-filled and puts the criterion on the
agreement page. Linking is a quality manager's decision (scorecards are theirs), and
each change is audited. Criteria of a scorecard's draft and of its latest published
version can be linked; older versions are history and stay as they were.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from servewell.autoqa.engine import CRITERIA
from servewell.autoqa.models import CriterionLink
from servewell.core import audit
from servewell.core.errors import DomainError
from servewell.quality.models import Criterion, ScorecardVersion

#: What each auto criterion asks, as the link screen offers it.
AUTO_LABELS = {
    "greeting": "Greeting",
    "introduction": "Agent introduced themselves",
    "empathy": "Specific empathy",
    "apology": "Apology where the customer was let down",
    "ownership": "Ownership",
    "next_step": "Clear next step or timeline",
    "closing": "Courteous closing",
    "rudeness": "Courteous: no rude, sarcastic or profane text",
    "sentiment_trend": "Customer sentiment from first to last message",
}


def linkable_criteria() -> QuerySet[Criterion]:
    """Criteria of each live scorecard's draft and latest published version, with their
    link (``auto_link``) when they have one: one query."""
    newer = ScorecardVersion.objects.filter(
        scorecard=OuterRef("version__scorecard"),
        state=ScorecardVersion.State.PUBLISHED,
        number__gt=OuterRef("version__number"),
    )
    return (
        Criterion.objects.filter(version__scorecard__is_archived=False)
        .filter(
            Q(version__state=ScorecardVersion.State.DRAFT)
            | Q(Q(version__state=ScorecardVersion.State.PUBLISHED) & ~Exists(newer))
        )
        .select_related("version__scorecard", "section", "auto_link")
        .order_by("version__scorecard__name", "-version__number", "section__position", "position")
    )


def list_links() -> list[dict[str, Any]]:
    return [
        {
            "criterion": c,
            "scorecard": c.version.scorecard.name,
            "version": c.version.number,
            "state": c.version.state,
            "auto": getattr(c, "auto_link", None) and c.auto_link.auto,
        }
        for c in linkable_criteria()
    ]


def find_linkable(criterion_id: int | None) -> Criterion | None:
    """The criterion when it may be linked now, else None (unknown, archived, or of an
    older version)."""
    if criterion_id is None:
        return None
    return linkable_criteria().filter(pk=criterion_id).first()


@transaction.atomic
def set_link(actor: Any, criterion: Criterion, *, auto: str | None) -> CriterionLink | None:
    """Link ``criterion`` to the auto criterion ``auto``, or unlink it (None or "")."""
    auto = (auto or "").strip() or None
    if auto is not None and auto not in CRITERIA:
        raise DomainError(
            "invalid",
            f"Unknown auto criterion {auto[:40]!r}: choose one of the list.",
            field="auto",
        )
    link = CriterionLink.objects.select_for_update().filter(criterion=criterion).first()
    before = link.auto if link else None
    if before == auto:
        return link
    if auto is None:
        link.delete()
        link = None
    elif link is None:
        link = CriterionLink.objects.create(criterion=criterion, auto=auto)
    else:
        link.auto = auto
        link.save(update_fields=["auto"])
    audit.record(
        actor,
        "autoqa.link",
        criterion,
        before={"auto": before},
        after={"auto": auto},
        label=f"{criterion.version.scorecard.name} v{criterion.version.number}: {criterion.title}",
    )
    return link
