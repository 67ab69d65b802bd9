"""Personal API tokens for scripts: shown once, stored as a SHA-256 digest, revocable.

A token looks like ``sw_<prefix>_<secret>``; the prefix is indexed so a lookup is one
row, and the digest comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from servewell.core import audit
from servewell.core.access import can
from servewell.core.errors import DomainError
from servewell.core.fastlane import Arrival, Reply
from servewell.people.models import ApiToken, User

TOUCH_EVERY = timedelta(minutes=5)  # last_used_at precision; avoids a write per request


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(user: User, *, name: str, actor: Any = None) -> tuple[ApiToken, str]:
    """Returns the row and the only copy of the raw token."""
    name = (name or "").strip()
    if not name:
        raise DomainError(
            "invalid", "Give the token a name, e.g. the script that uses it.", field="name"
        )
    if len(name) > 100:
        raise DomainError("invalid", "Keep the name under 100 characters.", field="name")
    prefix = secrets.token_hex(4)
    raw = f"sw_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=prefix, digest=_digest(raw))
        audit.record(actor or user, "token.created", token, after={"name": name, "user": user.pk})
    return token, raw


def revoke_token(token: ApiToken, *, actor: Any, now: datetime | None = None) -> ApiToken:
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = now or timezone.now()
            token.save(update_fields=["revoked_at"])
            _remembered.pop(token.digest, None)
            audit.record(actor, "token.revoked", token, after={"revoked_at": token.revoked_at})
    return token


def user_for_token(raw: str, *, now: datetime | None = None) -> User | None:
    parts = raw.split("_")
    if len(parts) < 3 or parts[0] != "sw":
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1], revoked_at=None).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    if not token.user.is_active:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


#: Tokens a fast lane found good, by digest: (when to look again, the person).
_remembered: dict[str, tuple[float, User]] = {}


def users_for_tokens(
    raws: Iterable[str], *, remember_s: float = 0.0, now: datetime | None = None
) -> dict[str, User]:
    """``user_for_token`` for many tokens in two queries (the tokens with their people,
    and their roles): a fast lane checks a whole round of requests at once. A token
    missing from the answer is unknown, revoked, malformed or its person inactive.

    ``remember_s`` keeps a good answer in this process for that long, so a phone system
    posting hundreds of events a second is not looked up hundreds of times: revoking its
    token or deactivating its person then takes effect within ``remember_s`` everywhere
    (at once in the process that revoked it). Refusals are never remembered."""
    wanted: dict[str, str] = {}
    found: dict[str, User] = {}
    clock = time.monotonic()
    for raw in set(raws):
        parts = raw.split("_")
        if len(parts) >= 3 and parts[0] == "sw":
            memo = _remembered.get(_digest(raw)) if remember_s else None
            if memo is not None and memo[0] > clock:
                found[raw] = memo[1]
            else:
                wanted[raw] = parts[1]
    if not wanted:
        return found
    tokens = {
        t.prefix: t
        for t in ApiToken.objects.select_related("user")
        .prefetch_related("user__role_grants")
        .filter(prefix__in=set(wanted.values()), revoked_at=None, user__is_active=True)
    }
    now = now or timezone.now()
    stale = []
    for raw, prefix in wanted.items():
        token = tokens.get(prefix)
        if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
            continue
        found[raw] = token.user
        if remember_s:
            _remembered[token.digest] = (clock + remember_s, token.user)
        if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
            stale.append(token.pk)
    if stale:
        ApiToken.objects.filter(pk__in=stale).update(last_used_at=now)
    return found


_UNAUTHENTICATED = {
    "detail": "Authentication credentials were not provided.",
    "code": "not_authenticated",
}
_BAD_TOKEN = {"detail": "Unknown, revoked or malformed token.", "code": "authentication_failed"}
_FORBIDDEN = {"detail": "You do not have permission for this.", "code": "permission_denied"}
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api"'}


def lane_callers(
    arrivals: Sequence[Arrival], perm: str, *, remember_s: float = 1.0
) -> list[User | Reply]:
    """Who sent each request of a fast lane's round (``core.fastlane``), or the reply that
    refuses it: 401 without a good bearer token, 403 without ``perm``. What DRF's
    authentication and ``ApiAccess`` say on the other doors, in one lookup per round."""
    users = users_for_tokens((t for a in arrivals if (t := a.bearer())), remember_s=remember_s)
    callers: list[User | Reply] = []
    for arrival in arrivals:
        token = arrival.bearer()
        user = users.get(token) if token else None
        if token is None:
            callers.append(Reply(401, _UNAUTHENTICATED, headers=_CHALLENGE))
        elif user is None:
            callers.append(Reply(401, _BAD_TOKEN, headers=_CHALLENGE))
        elif not can(user, perm):
            callers.append(Reply(403, _FORBIDDEN, user=user.pk))
        else:
            callers.append(user)
    return callers


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer sw_…`` (``Token sw_…`` is accepted too)."""

    keywords = ("bearer", "token")

    def authenticate(self, request: Any) -> tuple[User, None] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send exactly one token after 'Bearer'.")
        try:
            raw = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid text.") from None
        user = user_for_token(raw)
        if user is None:
            raise exceptions.AuthenticationFailed("Unknown, revoked or malformed token.")
        return user, None

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "servewell.people.tokens.ApiTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal token (sw_…) created on your profile page.",
        }
