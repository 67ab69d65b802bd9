"""Roles and team scoping: which permissions each role holds and which teams a person sees.

The permission machinery itself (``can``, ``requires``, ``ApiAccess``) is core's
(``servewell.core.access``); this module owns what only the people app knows: the roles'
grants of the people app's permissions, and object-level scoping through
``visible_teams`` / ``scope_to_teams`` / ``access_team``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from servewell.core.access import CorePerm, Forbidden, can
from servewell.core.ids import parse_id
from servewell.people.models import Membership, Role, RoleGrant, Team, User


class Perm(StrEnum):
    PEOPLE_VIEW = "people.view"
    PEOPLE_MANAGE = "people.manage"
    TEAMS_VIEW = "teams.view"
    TEAMS_MANAGE = "teams.manage"
    TEAM_SETTINGS = "teams.settings"  # members, hours, closed days of a team one leads


_STAFF = {Perm.PEOPLE_VIEW, Perm.TEAMS_VIEW}

#: The people app's grants, handed to core through the app contract. Admins hold every
#: permission (``core.access.grant_everything``). A phone system or mail gateway (service
#: role) holds only what the apps grant it for integration (queue events, inbound mail):
#: no screens, no conversations, no people.
GRANTS: dict[str, set[str]] = {
    Role.AGENT: _STAFF,
    Role.QA: _STAFF,
    Role.TRAINER: _STAFF,
    Role.LEAD: _STAFF | {Perm.TEAM_SETTINGS},
    Role.MANAGER: _STAFF | {Perm.TEAM_SETTINGS, CorePerm.AUDIT_VIEW},
    Role.SERVICE: set(),
}

#: Roles that see every team; everybody else sees the teams they belong to.
ORG_WIDE_ROLES = (Role.ADMIN, Role.MANAGER, Role.QA)


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


def people_only(users: QuerySet[User] | None = None) -> QuerySet[User]:
    """The people of a list: active, and no service account. A service account is a
    script with a token; it is never offered to coach, add, assign or count as a person.
    Every list of people and every head count goes through here."""
    users = User.objects.all() if users is None else users
    return users.filter(is_active=True).exclude(
        pk__in=RoleGrant.objects.filter(role=Role.SERVICE).values("user_id")
    )


def visible_colleagues(user: User) -> QuerySet[User]:
    """``visible_people`` as people: active, without service accounts."""
    return people_only(visible_people(user))


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
    try:  # parse_id: "abc", "³" or a number no column holds is no team either
        team = visible_teams(user).select_related("calendar").get(pk=parse_id(team_id))
    except Team.DoesNotExist:
        raise Http404("No such team.") from None
    if manage and not can_manage_team(user, team):
        raise Forbidden("Only an admin, a manager or a lead of this team may change it.")
    return team


def access_person(user: User, person_id: Any) -> User:
    try:
        return visible_people(user).get(pk=parse_id(person_id))
    except User.DoesNotExist:
        raise Http404("No such person.") from None
