"""Survey link tokens: 32 random bytes in the link, only their SHA-256 in the database,
so a copy of the database cannot answer anybody's survey."""

from __future__ import annotations

import hashlib
import re
import secrets

_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def well_formed(token: str) -> bool:
    return bool(_SHAPE.match(token or ""))


def address_digest(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()
