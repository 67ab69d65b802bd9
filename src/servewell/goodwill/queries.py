"""Reads shared by the pages, the panels and the API."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from servewell.desk.access import conversations_for
from servewell.goodwill.models import Grant, Status
from servewell.people.access import visible_team_ids
from servewell.people.models import Role, User


def grants_for(user: User) -> QuerySet[Grant]:
    """Grants on conversations the user may see."""
    qs = Grant.objects.select_related("action", "requested_by", "decided_by", "team")
    ids = visible_team_ids(user)
    return qs if ids is None else qs.filter(team_id__in=ids)


def access_grant(user: User, pk: Any) -> Grant:
    try:
        return grants_for(user).select_related("conversation", "contact").get(pk=int(pk))
    except (Grant.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such goodwill grant.") from None


def list_conversation_grants(user: User, conversation_id: int) -> QuerySet[Grant]:
    return grants_for(user).filter(conversation_id=conversation_id)


def list_contact_grants(user: User, contact_id: int) -> QuerySet[Grant]:
    return grants_for(user).filter(contact_id=contact_id, conversation__in=conversations_for(user))


def list_open_requests(user: User) -> QuerySet[Grant]:
    """What waits for ``user``: their teams' open requests (all of them for managers),
    never their own."""
    qs = grants_for(user).filter(status=Status.PENDING).exclude(requested_by=user)
    if not user.has_role(Role.MANAGER, Role.ADMIN):
        qs = qs.filter(team__memberships__user=user, team__memberships__is_lead=True)
    return qs.order_by("deadline", "pk")


def list_my_grants(user: User) -> QuerySet[Grant]:
    return grants_for(user).filter(requested_by=user)
