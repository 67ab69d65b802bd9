"""``Idempotency-Key`` for API creates: a retry gets the first answer, never a second grant.

The key row is written in the same transaction as what it creates. Two retries racing
each other both run, but only one can insert the (user, key) row: the other's whole
transaction (its grant included) rolls back, and it answers with the winner's result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from servewell.core.errors import DomainError
from servewell.goodwill.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY = 255


class KeyReused(DomainError):
    status = 422


def fingerprint(path: str, body: Any) -> str:
    text = json.dumps({"path": path, "body": body}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def clean_key(value: str | None) -> str:
    key = (value or "").strip()
    if not key:
        raise DomainError("invalid", f"Send an {HEADER} header with every create.", field=HEADER)
    if len(key) > MAX_KEY or not key.isprintable():
        raise DomainError(
            "invalid", f"The {HEADER} is at most {MAX_KEY} printable characters.", field=HEADER
        )
    return key


def _replay(user: Any, key: str, print_: str) -> tuple[int, Any] | None:
    row = IdempotencyKey.objects.filter(user=user, key=key).first()
    if row is None:
        return None
    if row.fingerprint != print_:
        raise KeyReused("conflict", f"This {HEADER} was used for a different request.")
    return row.status_code, row.body


def once(
    user: Any, key: str, print_: str, create: Callable[[], tuple[int, Any]], *, now: datetime
) -> tuple[int, Any]:
    """``create`` returns (status, body) and raises ``DomainError`` to refuse; a refusal is
    not stored, so the client may fix the request and send it again under the same key."""
    replayed = _replay(user, key, print_)
    if replayed is not None:
        return replayed
    try:
        with transaction.atomic():
            status, body = create()
            IdempotencyKey.objects.create(
                user=user,
                key=key,
                fingerprint=print_,
                status_code=status,
                body=body,
                created_at=now,
            )
    except IntegrityError:
        replayed = _replay(user, key, print_)
        if replayed is None:
            raise
        return replayed
    return status, body
