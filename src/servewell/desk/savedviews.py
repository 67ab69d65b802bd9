"""Saved inbox views: a person's named set of filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from servewell.core.errors import DomainError
from servewell.desk.models import SavedView
from servewell.desk.queries import InboxFilters
from servewell.people.models import User

MAX_VIEWS = 50


def save_view(user: User, *, name: str, filters: Mapping[str, Any]) -> SavedView:
    """Create or replace (same name) a saved view; the filters are validated first."""
    name = " ".join((name or "").split())[:80]
    if not name:
        raise DomainError("invalid", "Name the view.", field="name")
    clean = InboxFilters.parse(filters).as_dict()
    with transaction.atomic():
        view = SavedView.objects.filter(user=user, name__iexact=name).first()
        if view is None:
            if SavedView.objects.filter(user=user).count() >= MAX_VIEWS:
                raise DomainError("invalid", f"Keep at most {MAX_VIEWS} views.", field="name")
            return SavedView.objects.create(user=user, name=name, filters=clean)
        view.name, view.filters = name, clean
        view.save(update_fields=["name", "filters"])
    return view


def delete_view(user: User, view_id: Any) -> None:
    deleted, _ = SavedView.objects.filter(user=user, pk=view_id).delete()
    if not deleted:
        raise DomainError("not_found", "No such saved view.", field="view")


def get_view(user: User, view_id: Any) -> SavedView:
    try:
        return SavedView.objects.get(user=user, pk=int(view_id))
    except (SavedView.DoesNotExist, TypeError, ValueError):
        raise DomainError("not_found", "No such saved view.", field="saved") from None
