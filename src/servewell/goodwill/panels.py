"""The goodwill blocks on the conversation page and in the contact's history."""

from __future__ import annotations

from typing import Any

from servewell.core.access import can
from servewell.goodwill import queries
from servewell.goodwill.access import GOODWILL_GRANT
from servewell.goodwill.forms import GrantForm
from servewell.goodwill.models import Grant


def sentence(grant: Any) -> str:
    """What the composer may insert: plain words the agent edits before sending."""
    if grant.action.has_amount:
        what = f"a {grant.action.get_kind_display().lower()} of {grant.amount} {grant.currency}"
    else:
        what = f"a {grant.action.get_kind_display().lower()}"
    if grant.status in ("granted", "approved"):
        return f"I have arranged {what} for you ({grant.action.name})."
    return f"I have asked for {what} for you and will let you know as soon as it is decided."


def conversation_panel(request: Any, conversation: Any) -> dict[str, Any]:
    grants = []
    # Most conversations have no goodwill: one index lookup before the scoped read
    # (four joins, compiled on every page view).
    if Grant.objects.filter(conversation_id=conversation.pk).exists():
        grants = list(queries.list_conversation_grants(request.user, conversation.pk))
    for grant in grants:
        grant.sentence = sentence(grant)
    form = GrantForm(prefix="goodwill") if can(request.user, GOODWILL_GRANT) else None
    return {"grants": grants, "form": form, "conversation": conversation}


def contact_panel(request: Any, contact: Any) -> dict[str, Any] | None:
    # As above: the scoped read also joins the conversations the viewer may see.
    if not Grant.objects.filter(contact_id=contact.pk).exists():
        return None
    grants = list(queries.list_contact_grants(request.user, contact.pk)[:20])
    return {"grants": grants, "contact": contact} if grants else None
