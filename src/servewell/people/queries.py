"""Reads shared by the screens and the API (scoped, with their joins done once)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from servewell.people.access import visible_colleagues, visible_people, visible_teams
from servewell.people.models import Membership, Presence, Role, RoleGrant, Team, User


def list_people(
    user: User, *, q: str = "", role: str = "", team: str = "", active: bool | None = True
) -> QuerySet[User]:
    people = visible_people(user).prefetch_related(
        Prefetch("role_grants", queryset=RoleGrant.objects.only("user_id", "role")),
    )
    if q:
        people = search_people(people, q)
    if role:
        people = people.filter(role_grants__role=role)
    if team:
        people = people.filter(memberships__team_id=team)
    if active is not None:
        people = people.filter(is_active=active)
    return people.order_by("display_name", "username", "id")


def search_people(people: QuerySet[User], q: str) -> QuerySet[User]:
    """Those whose username, name or email holds ``q``."""
    return people.filter(
        Q(username__icontains=q) | Q(display_name__icontains=q) | Q(email__icontains=q)
    )


def list_teams(user: User) -> QuerySet[Team]:
    return (
        visible_teams(user)
        .annotate(
            member_count=Count(
                "memberships",
                filter=~Q(memberships__user__role_grants__role=Role.SERVICE),
                distinct=True,
            ),
            lead_count=Count("memberships", filter=Q(memberships__is_lead=True), distinct=True),
        )
        .order_by("name")
    )


def team_members(team: Team) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("-is_lead", "user__display_name", "user__username")
    )


def home_summary(user: User) -> dict[str, Any]:
    counts = dict(
        visible_colleagues(user)
        .values_list("presence")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    )
    presence = {p: counts.get(p, 0) for p in Presence.values}
    total = sum(presence.values()) or 1
    return {
        "roles": sorted(user.roles),
        "my_teams": Membership.objects.filter(user=user).select_related("team"),
        "presence": presence,
        "presence_bar": [
            {"key": k, "pct": round(v * 20 / total) * 5} for k, v in presence.items() if v
        ],
        "people_count": sum(presence.values()),
        "team_count": visible_teams(user).count(),
    }
