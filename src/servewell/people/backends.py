"""Signing in, and restoring the signed-in person on every request in one query.

Django's ``ModelBackend`` restores a session's user with one query, and the first
permission check then reads the roles and the team scope with two more. Every request
makes them — the presence poll every 5 s of every open conversation too — so here the
user row comes back with its role codes and team ids aggregated beside it, and
``User.roles`` / ``people.access.visible_team_ids`` find them already loaded. Nothing is
cached across requests: a role taken away or a team left counts on the very next request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Aggregate, CharField, OuterRef, Subquery
from django.db.models.functions import Cast

from servewell.core.compiled import CompiledModels
from servewell.people.models import Membership, Role, RoleGrant, User

SEPARATOR = ","


class _Joined(Aggregate):
    """The group's values as one comma-separated string (SQLite's GROUP_CONCAT,
    PostgreSQL's STRING_AGG); NULL for an empty group."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s)"
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template=f"%(function)s(%(expressions)s, '{SEPARATOR}')",
            **extra,
        )


def _joined(model: type, field: str) -> Subquery:
    rows = (
        model.objects.filter(user_id=OuterRef("pk"))
        .order_by()
        .values("user_id")
        .annotate(joined=_Joined(Cast(field, CharField())))
        .values("joined")
    )
    return Subquery(rows, output_field=CharField())


def with_access(users: Any = None) -> Any:
    """Users with ``_role_codes`` and ``_team_codes`` annotated (see ``load_access``)."""
    users = User.objects.all() if users is None else users
    return users.annotate(
        _role_codes=_joined(RoleGrant, "role"), _team_codes=_joined(Membership, "team_id")
    )


def load_access(user: User) -> User:
    """Fill ``user.roles`` and the team scope from the annotated codes, as the lazy
    readers would have (superusers count as admins)."""
    roles = {code for code in (user._role_codes or "").split(SEPARATOR) if code}
    if user.is_superuser:
        roles.add(Role.ADMIN)
    user.__dict__["roles"] = frozenset(roles)
    user._team_ids = sorted(int(t) for t in (user._team_codes or "").split(SEPARATOR) if t)
    return user


#: ``with_access().filter(pk=...)``, compiled once per database: building and compiling
#: the two subqueries cost more than running them, on every request (a presence poll's
#: largest part). Read as the ORM would, without a ``RawQuerySet`` mapping its columns
#: anew on every request (5 % of a web process's CPU under load).
_USER_WITH_ACCESS = CompiledModels(lambda pk: with_access().filter(pk=pk))


def _user_with_access(user_id: int) -> User | None:
    return _USER_WITH_ACCESS.first(user_id)


class PeopleBackend(ModelBackend):
    """``ModelBackend`` whose ``get_user`` reads the person, their roles and their teams
    in one query."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = _user_with_access(int(user_id))
        except (ValueError, TypeError):
            return None
        if user is None or not self.user_can_authenticate(user):
            return None
        return load_access(user)
