"""The goodwill blocks on the conversation page and in the contact's history."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef

from servewell.contacts.models import Contact
from servewell.core.access import can
from servewell.core.compiled import CompiledQuery
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


_FLAGS = CompiledQuery(
    lambda conversation_id, contact_id: (
        Contact.objects.filter(pk=contact_id)
        .annotate(
            on_conversation=Exists(Grant.objects.filter(conversation_id=conversation_id)),
            on_contact=Exists(Grant.objects.filter(contact_id=OuterRef("pk"))),
        )
        .order_by()
        .values_list("on_conversation", "on_contact")
    )
)


def _has_grants(request: Any, conversation: Any) -> bool:
    """Whether the conversation has grants; whether its contact has any is kept on the
    request for the contact's panel below it (one query for both, not one each)."""
    found = _FLAGS.rows(conversation.pk, conversation.contact_id)
    on_conversation, on_contact = found[0] if found else (False, False)
    if request is not None:
        request._servewell_goodwill_contacts = {conversation.contact_id: on_contact}
    return on_conversation


def conversation_panel(request: Any, conversation: Any) -> dict[str, Any]:
    grants = []
    # Most conversations have no goodwill: one index lookup before the scoped read
    # (four joins, compiled on every page view).
    if _has_grants(request, conversation):
        grants = list(queries.list_conversation_grants(request.user, conversation.pk))
    for grant in grants:
        grant.sentence = sentence(grant)
    form = GrantForm(prefix="goodwill") if can(request.user, GOODWILL_GRANT) else None
    return {"grants": grants, "form": form, "conversation": conversation}


def contact_panel(request: Any, contact: Any) -> dict[str, Any] | None:
    # As above: the scoped read also joins the conversations the viewer may see.
    known = getattr(request, "_servewell_goodwill_contacts", {}).get(contact.pk)
    if known is None:
        known = Grant.objects.filter(contact_id=contact.pk).exists()
    if not known:
        return None
    grants = list(queries.list_contact_grants(request.user, contact.pk)[:20])
    return {"grants": grants, "contact": contact} if grants else None
