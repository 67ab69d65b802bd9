"""Who may do what, and which teams they see — the one place that decides.

Every HTML view declares a permission with ``@requires(...)`` (or ``access = ...`` on a
class), every API view with ``access`` (or ``access_by_action``). ``AccessMiddleware``
and ``ApiAccess`` both ask ``can()``; a view that declares nothing is refused, so a new
screen cannot be left open by forgetting. Object-level scoping goes through
``visible_teams`` / ``scope_to_teams`` / ``access_team``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from rest_framework.permissions import BasePermission

from servewell.core.errors import DomainError
from servewell.people.models import Membership, Role, Team, User


class Perm(StrEnum):
    SELF = "self"  # one's own profile, presence and API tokens
    HOME = "home.view"
    PEOPLE_VIEW = "people.view"
    PEOPLE_MANAGE = "people.manage"
    TEAMS_VIEW = "teams.view"
    TEAMS_MANAGE = "teams.manage"
    TEAM_SETTINGS = "teams.settings"  # members, hours, closed days of a team one leads
    AUDIT_VIEW = "audit.view"
    JOBS_MANAGE = "jobs.manage"
    WEBHOOKS_MANAGE = "webhooks.manage"


PUBLIC = "public"

_EVERYONE = {Perm.SELF, Perm.HOME}
_STAFF = _EVERYONE | {Perm.PEOPLE_VIEW, Perm.TEAMS_VIEW}

GRANTS: dict[str, set[str]] = {
    Role.AGENT: _STAFF,
    Role.QA: _STAFF,
    Role.TRAINER: _STAFF,
    Role.LEAD: _STAFF | {Perm.TEAM_SETTINGS},
    Role.MANAGER: _STAFF | {Perm.TEAM_SETTINGS, Perm.AUDIT_VIEW},
    Role.ADMIN: set(Perm),
    # A phone system or mail gateway: its own API tokens and whatever integration
    # permissions the apps register for it (queue events, inbound mail) — no screens,
    # no conversations, no people.
    Role.SERVICE: {Perm.SELF},
}

#: Roles that see every team; everybody else sees the teams they belong to.
ORG_WIDE_ROLES = (Role.ADMIN, Role.MANAGER, Role.QA)


def register(role: str, *perms: str) -> None:
    """Later capabilities add their permissions to roles here, at import time."""
    GRANTS[role] = GRANTS[role] | set(perms)


def can(user: Any, perm: str) -> bool:
    if perm == PUBLIC:
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if perm in _EVERYONE:
        return True
    return any(perm in GRANTS.get(role, ()) for role in user.roles)


def sees_all_teams(user: User) -> bool:
    return user.has_role(*ORG_WIDE_ROLES)


def visible_team_ids(user: User) -> list[int] | None:
    """None means every team; otherwise the ids of the user's own teams."""
    if sees_all_teams(user):
        return None
    cache = getattr(user, "_team_ids", None)
    if cache is None:
        cache = list(Membership.objects.filter(user=user).values_list("team_id", flat=True))
        user._team_ids = cache
    return cache


def scope_to_teams(queryset: QuerySet, user: User, field: str = "team") -> QuerySet:
    ids = visible_team_ids(user)
    return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})


def visible_teams(user: User) -> QuerySet[Team]:
    return scope_to_teams(Team.objects.all(), user, field="id")


def visible_people(user: User) -> QuerySet[User]:
    """Org-wide roles see everyone; others see the people of their teams, and themselves."""
    people = User.objects.all()
    ids = visible_team_ids(user)
    if ids is None:
        return people
    return people.filter(Q(memberships__team_id__in=ids) | Q(pk=user.pk)).distinct()


def can_manage_team(user: User, team: Team) -> bool:
    if can(user, Perm.TEAMS_MANAGE) or (user.has_role(Role.MANAGER)):
        return True
    return (
        can(user, Perm.TEAM_SETTINGS)
        and Membership.objects.filter(team=team, user=user, is_lead=True).exists()
    )


def access_team(user: User, team_id: Any, *, manage: bool = False) -> Team:
    """The one fetch of a team: 404 when out of scope, 403 when it may not be changed."""
    try:
        team = visible_teams(user).select_related("calendar").get(pk=team_id)
    except (Team.DoesNotExist, ValueError, TypeError):
        raise Http404("No such team.") from None
    if manage and not can_manage_team(user, team):
        raise Forbidden("Only an admin, a manager or a lead of this team may change it.")
    return team


def access_person(user: User, person_id: Any) -> User:
    try:
        return visible_people(user).get(pk=person_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such person.") from None


class Forbidden(DomainError, PermissionDenied):
    """Django renders it as the 403 page; the API as a 403 with a code."""

    status = 403

    def __init__(self, message: str):
        super().__init__("forbidden", message)


def requires(perm: str) -> Callable:
    """Declare the permission of a function view."""

    def decorator(view: Callable) -> Callable:
        view.access = perm
        return view

    return decorator


def declared_permission(view_func: Callable) -> str | None:
    view_class = getattr(view_func, "view_class", None)
    return getattr(view_func, "access", None) or getattr(view_class, "access", None)


class ApiAccess(BasePermission):
    """DRF side of the same rule: ``access`` or ``access_by_action`` on the view."""

    message = "You do not have permission for this."

    def has_permission(self, request: Any, view: Any) -> bool:
        by_action = getattr(view, "access_by_action", None) or {}
        perm = by_action.get(getattr(view, "action", None)) or getattr(view, "access", None)
        if perm is None:
            return False
        if perm == PUBLIC:
            return True
        return can(request.user, perm)
