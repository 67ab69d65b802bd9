"""Creating and changing people and their roles.

Each write validates first (a ``DomainError`` names the field), then writes, audits and
publishes in one transaction; forms and the API both call these functions.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower

from servewell.core import audit, events
from servewell.core.errors import DomainError
from servewell.people.models import Role, RoleGrant, User

PERSON_CREATED = events.declare("person.created", "A person was added.")
PERSON_UPDATED = events.declare("person.updated", "A person's details or roles changed.")

AUDITED = ["username", "email", "display_name", "time_zone", "is_active", "roles"]
#: No password here: people choose their own (``accounts``: invitation, reset, change).
EDITABLE = {"email", "display_name", "time_zone", "is_active", "roles"}


def validate_time_zone(name: str, field: str = "time_zone") -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise DomainError(
            "invalid", f"{name!r} is not a known time zone, e.g. Europe/Berlin.", field=field
        ) from None
    return name


def _clean_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise DomainError(
            "invalid",
            f"Unknown roles: {', '.join(map(str, unknown))}. Choose from {', '.join(Role.values)}.",
            field="roles",
        )
    return roles


def _clean_email(email: str, *, exclude_pk: int | None = None) -> str:
    email = (email or "").strip().lower()
    if not email:
        raise DomainError("invalid", "An email address is required.", field="email")
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError("invalid", "Enter a valid email address.", field="email") from None
    if User.objects.filter(email=email).exclude(pk=exclude_pk).exists():
        raise DomainError("duplicate", "Someone already uses this email.", field="email")
    return email


def check_password(password: str, user: User, *, field: str = "password") -> None:
    """Django's password validators, as a ``DomainError`` naming ``field``."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("invalid", " ".join(exc.messages), field=field) from None


def _person_snapshot(person: User) -> dict[str, Any]:
    data = audit.snapshot(person, AUDITED[:-1])
    data["roles"] = sorted(person.role_grants.values_list("role", flat=True))
    return data


def create_person(
    actor: Any,
    *,
    username: str,
    email: str,
    display_name: str = "",
    roles: Iterable[str] = (),
    password: str | None = None,
    time_zone: str = "UTC",
) -> User:
    username = (username or "").strip()
    if not username:
        raise DomainError("invalid", "A username is required.", field="username")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise DomainError(
            "invalid", "Use letters, digits and @/./+/-/_ only.", field="username"
        ) from None
    if len(username) > 150:
        raise DomainError("invalid", "Keep the username under 150 characters.", field="username")
    # Matches the functional unique index on LOWER(username): an index lookup, not a scan.
    if User.objects.alias(lower=Lower("username")).filter(lower=username.lower()).exists():
        raise DomainError("duplicate", "This username is taken.", field="username")
    email = _clean_email(email)
    role_list = _clean_roles(roles)
    validate_time_zone(time_zone)
    person = User(
        username=username, email=email, display_name=display_name.strip()[:150], time_zone=time_zone
    )
    if password:  # demo and bench data only: no screen or API passes one
        check_password(password, person)
        person.set_password(password)
    else:
        person.set_unusable_password()
    with transaction.atomic():
        person.save()
        RoleGrant.objects.bulk_create([RoleGrant(user=person, role=r) for r in role_list])
        audit.record(actor, "person.created", person, after=_person_snapshot(person))
        events.publish(
            PERSON_CREATED, {"person": person.pk, "username": person.username, "roles": role_list}
        )
    return person


def update_person(actor: Any, person: User, **changes: Any) -> User:
    unknown = set(changes) - EDITABLE
    if unknown:
        raise DomainError("invalid", f"Cannot change {', '.join(sorted(unknown))}.")
    if "email" in changes:
        changes["email"] = _clean_email(changes["email"], exclude_pk=person.pk)
    if "time_zone" in changes:
        validate_time_zone(changes["time_zone"])
    if "roles" in changes:
        changes["roles"] = _clean_roles(changes["roles"])
    if changes.get("is_active") is False and person.pk == getattr(actor, "pk", None):
        raise DomainError("invalid", "You cannot deactivate yourself.", field="is_active")
    with transaction.atomic():
        before = _person_snapshot(person)
        fields = [f for f in ("email", "display_name", "time_zone", "is_active") if f in changes]
        for field in fields:
            setattr(person, field, changes[field])
        if fields:
            person.save(update_fields=fields)
        if "roles" in changes:
            _replace_roles(person, changes["roles"])
        old, new = audit.changed(before, _person_snapshot(person))
        if new:
            audit.record(actor, "person.updated", person, before=old, after=new)
            events.publish(PERSON_UPDATED, {"person": person.pk, "changed": sorted(new)})
    person.__dict__.pop("roles", None)
    return person


def _replace_roles(person: User, roles: list[str]) -> None:
    RoleGrant.objects.filter(user=person).exclude(role__in=roles).delete()
    have = set(RoleGrant.objects.filter(user=person).values_list("role", flat=True))
    RoleGrant.objects.bulk_create([RoleGrant(user=person, role=r) for r in roles if r not in have])
