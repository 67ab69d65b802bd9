"""Who may hold a conversation, round-robin among available members, and the per-team
desk settings (round-robin on/off, offered on the public form)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from servewell.core import audit, events, refcache
from servewell.desk.events import CONVERSATION_ASSIGNED, event_payload, record_activity
from servewell.desk.models import Conversation, DeskTeamSettings
from servewell.people.models import Membership, Presence, Role, RoleGrant, Team, User

#: Roles that answer customers (DESK_WORK): the people a conversation can be assigned to.
WORKING_ROLES = (Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN)

#: A team's assignable people as (id, name) choices, kept per process (``refcache``).
ASSIGNABLE = refcache.kind(
    "desk.assignable",
    User,
    Membership,
    RoleGrant,
    unused=("last_login", "password", "signature", "presence", "presence_changed_at"),
)

DESK_SETTINGS_CHANGED = events.declare(
    "desk.settings_changed", "A team's desk settings (round-robin, public form) changed."
)


def can_be_assigned(user: User, team: Team) -> bool:
    return (
        user.is_active
        and user.has_role(*WORKING_ROLES)
        and Membership.objects.filter(team=team, user=user).exists()
    )


def assignable_people(team: Team | int) -> Any:
    return (
        User.objects.filter(
            is_active=True, memberships__team=team, role_grants__role__in=WORKING_ROLES
        )
        .distinct()
        .order_by("display_name", "username")
    )


def assignable_choices(team_id: int) -> list[tuple[int, str]]:
    """``assignable_people`` as the assignee select lists them, on every conversation
    page and after every action on it."""
    return refcache.get(
        ASSIGNABLE, team_id, lambda: [(p.pk, str(p)) for p in assignable_people(team_id)]
    )


def get_settings(team: Team) -> DeskTeamSettings:
    settings = DeskTeamSettings.objects.filter(team=team).first()
    return settings or DeskTeamSettings(team=team)


def update_settings(
    actor: Any, team: Team, *, round_robin: bool | None = None, public_form: bool | None = None
) -> DeskTeamSettings:
    with transaction.atomic():
        settings, _ = DeskTeamSettings.objects.select_for_update().get_or_create(team=team)
        before = audit.snapshot(settings, ["round_robin", "public_form"])
        if round_robin is not None:
            settings.round_robin = bool(round_robin)
        if public_form is not None:
            settings.public_form = bool(public_form)
        settings.save(update_fields=["round_robin", "public_form"])
        old, new = audit.changed(before, audit.snapshot(settings, ["round_robin", "public_form"]))
        if new:
            audit.record(actor, "desk.settings_changed", team, before=old, after=new)
            events.publish(DESK_SETTINGS_CHANGED, {"team": team.pk, **new})
    return settings


def round_robin_teams(team_ids: set[int]) -> set[int]:
    """Which of these teams hand out new conversations in turn (one read for a batch)."""
    return set(
        DeskTeamSettings.objects.filter(team_id__in=team_ids, round_robin=True).values_list(
            "team_id", flat=True
        )
    )


def next_in_turn(team: Team) -> User | None:
    """The available member after the last one picked (by id, wrapping round).

    The settings row is locked for the rest of the caller's transaction: two conversations
    opened at the same moment each get their own person instead of the same one twice.
    """
    settings = (
        DeskTeamSettings.objects.select_for_update().filter(team=team, round_robin=True).first()
    )
    if settings is None:
        return None
    candidates = list(
        User.objects.filter(
            is_active=True,
            presence=Presence.AVAILABLE,
            memberships__team=team,
            role_grants__role__in=WORKING_ROLES,
        )
        .distinct()
        .order_by("id")
    )
    if not candidates:
        return None
    last = settings.last_assigned_id or 0
    chosen = next((u for u in candidates if u.pk > last), candidates[0])
    settings.last_assigned = chosen
    settings.save(update_fields=["last_assigned"])
    return chosen


def auto_assign(conversation: Conversation, *, now: datetime) -> User | None:
    """Round-robin a new (or newly moved, unassigned) conversation, if the team wants it."""
    if conversation.assignee_id is not None:
        return None
    chosen = next_in_turn(conversation.team)
    if chosen is None:
        return None
    conversation.assignee = chosen
    conversation.save(update_fields=["assignee"])
    record_activity(
        conversation, "assigned", now=now, to=chosen.pk, to_name=str(chosen), by="round_robin"
    )
    events.publish(
        CONVERSATION_ASSIGNED,
        event_payload(conversation, previous=None, by="round_robin"),
    )
    return chosen
