"""Names PostgreSQL keeps in one namespace must not collide (SQLite does not notice)."""

from __future__ import annotations

from django.apps import apps


def test_no_constraint_or_index_is_named_like_a_table():
    tables = {m._meta.db_table for m in apps.get_models()}
    clashes = [
        f"{m._meta.label}: {c.name}"
        for m in apps.get_models()
        for c in [*m._meta.constraints, *m._meta.indexes]
        if c.name in tables
    ]
    assert clashes == []
