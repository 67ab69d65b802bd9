"""Who may do what: the one gate every screen and API call passes.

Every HTML view declares a permission with ``@requires(...)`` (or ``access = ...`` on a
class), every API view with ``access`` (or ``access_by_action``). ``AccessMiddleware`` and
``ApiAccess`` both ask ``can()``; a view that declares nothing is refused, so a new screen
cannot be left open by forgetting.

Core knows permissions and roles only as strings: apps grant their permissions to roles
through their ``AppContract.grants``, and the people app (which owns roles and teams) says
which role holds every permission and how a user's teams are scoped.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from servewell.core.errors import DomainError


class CorePerm(StrEnum):
    """The platform's own permissions."""

    SELF = "self"  # one's own profile, presence, notifications and API tokens
    HOME = "home.view"
    AUDIT_VIEW = "audit.view"
    JOBS_MANAGE = "jobs.manage"
    WEBHOOKS_MANAGE = "webhooks.manage"


PUBLIC = "public"

#: Held by every signed-in, active user whatever their role.
EVERYONE: frozenset[str] = frozenset({CorePerm.SELF, CorePerm.HOME})

#: role -> permissions; filled from the apps' contracts at start-up.
GRANTS: dict[str, set[str]] = {}
#: Roles that hold every permission, including ones registered after them.
_ALL_POWERFUL: set[str] = set()


def grant(role: str, *perms: str) -> None:
    GRANTS.setdefault(role, set()).update(perms)


def grant_everything(role: str) -> None:
    _ALL_POWERFUL.add(role)


def can(user: Any, perm: str) -> bool:
    if perm == PUBLIC:
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if perm in EVERYONE:
        return True
    return any(role in _ALL_POWERFUL or perm in GRANTS.get(role, ()) for role in user.roles)


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
